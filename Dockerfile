# Render Factory in a container: Debian's Chromium and fonts, the package, `render-factory` as entry point.
#   docker build -t render-factory .
#   docker run --rm -v "$PWD/output:/app/output" render-factory generate charts --out output/charts --samples 2000
# Not built in this project's CI (no Docker engine there); kept in step with scripts/setup.sh by hand.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLBACKEND=Agg \
    RENDER_FACTORY_CHROMIUM=/usr/bin/chromium

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      chromium fonts-dejavu-core fonts-liberation fonts-noto-core fonts-noto-cjk fontconfig libgl1 libglib2.0-0 curl ca-certificates \
      tesseract-ocr tesseract-ocr-eng \
      tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-nld tesseract-ocr-pol \
      tesseract-ocr-ces tesseract-ocr-dan tesseract-ocr-por tesseract-ocr-vie tesseract-ocr-rus tesseract-ocr-ukr \
      tesseract-ocr-ell tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-jpn tesseract-ocr-kor tesseract-ocr-ara \
      tesseract-ocr-heb tesseract-ocr-fas tesseract-ocr-hin tesseract-ocr-ben tesseract-ocr-tam tesseract-ocr-tha \
      tesseract-ocr-kat tesseract-ocr-hye tesseract-ocr-amh \
      tesseract-ocr-script-ethi tesseract-ocr-script-thai tesseract-ocr-script-arab tesseract-ocr-script-armn \
      tesseract-ocr-script-beng tesseract-ocr-script-deva \
      fonts-dkg-handwriting fonts-comic-neue fonts-dancingscript fonts-humor-sans \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY factory ./factory
COPY renderers ./renderers
COPY html_templates ./html_templates
COPY scripts/tessdata.sh ./scripts/
RUN pip install '.[augment,corpus,audit]' \
 && python -c "import matplotlib.pyplot"  # build the font cache once, in the image
# the audit's Tesseract models folder (4.0.0_best_int ara, ben, hye; 4.0.0 amh as amh_legacy; Debian's for the rest), where it looks for it
RUN bash scripts/tessdata.sh "$(python -c 'import sys; print(sys.prefix)')/share/render-factory/tessdata"

# Chromium runs with --no-sandbox when it runs as root, which is the case here.
ENTRYPOINT ["render-factory"]
CMD ["--help"]
