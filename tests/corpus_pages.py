"""A realistic corpus of web pages, made deterministically for tests and benchmarks.

Pages vary the way crawled pages do: archetypes (article, news list, product, forum thread,
documentation, data table, landing page, search results), long and short, 14 languages and
scripts, broken markup (unclosed and mis-nested tags, stray end tags, unquoted attributes, a
missing doctype, legacy doctypes), and every kind of remote reference a crawl brings (scripts,
trackers, CDN stylesheets and web fonts, remote pictures, iframes, embeds). Folder corpora get
local stylesheets, pictures and a font beside the pages.

    pages = build_pages(300, seed=0)                 # [(name, html)]
    write_folder(root, pages)                        # site/<section>/<name>.html + assets
    write_warc(path, pages), write_jsonl(path, pages), write_parquet(path, pages), write_hf(path, pages)
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

SENTENCES = {
    "en": ["The city council approved the new budget after a long debate on Tuesday evening.",
           "Researchers found that the coastal wetlands store more carbon than expected.",
           "Our team tested twelve laptops to find the best one for students this year.",
           "The museum will reopen its east wing with a collection of early photographs.",
           "Local farmers expect a strong harvest thanks to the mild spring weather.",
           "Read the installation guide before you connect the device to your network."],
    "de": ["Der Stadtrat hat den neuen Haushalt nach einer langen Debatte verabschiedet.",
           "Forscher haben herausgefunden, dass die Feuchtgebiete mehr Kohlenstoff speichern.",
           "Unser Team hat zwölf Laptops getestet, um das beste Gerät für Studenten zu finden.",
           "Das Museum öffnet seinen Ostflügel mit einer Sammlung früher Fotografien.",
           "Die Landwirte erwarten dank des milden Frühlings eine gute Ernte.",
           "Lesen Sie die Anleitung, bevor Sie das Gerät mit dem Netzwerk verbinden."],
    "fr": ["Le conseil municipal a adopté le nouveau budget après un long débat mardi soir.",
           "Les chercheurs ont découvert que les zones humides stockent plus de carbone que prévu.",
           "Notre équipe a testé douze ordinateurs portables pour trouver le meilleur pour les étudiants.",
           "Le musée rouvrira son aile est avec une collection de photographies anciennes.",
           "Les agriculteurs attendent une bonne récolte grâce à la douceur du printemps.",
           "Lisez le guide d'installation avant de connecter l'appareil à votre réseau."],
    "es": ["El ayuntamiento aprobó el nuevo presupuesto tras un largo debate el martes.",
           "Los investigadores descubrieron que los humedales almacenan más carbono de lo esperado.",
           "Nuestro equipo probó doce portátiles para encontrar el mejor para los estudiantes.",
           "El museo reabrirá su ala este con una colección de fotografías antiguas.",
           "Los agricultores esperan una buena cosecha gracias a la primavera templada.",
           "Lea la guía de instalación antes de conectar el dispositivo a su red."],
    "pt": ["A câmara municipal aprovou o novo orçamento depois de um longo debate na terça-feira.",
           "Os investigadores descobriram que as zonas húmidas armazenam mais carbono do que se pensava.",
           "A nossa equipa testou doze portáteis para encontrar o melhor para os estudantes.",
           "O museu vai reabrir a ala leste com uma coleção de fotografias antigas.",
           "Os agricultores esperam uma boa colheita graças à primavera amena.",
           "Leia o guia de instalação antes de ligar o aparelho à sua rede."],
    "it": ["Il consiglio comunale ha approvato il nuovo bilancio dopo un lungo dibattito martedì sera.",
           "I ricercatori hanno scoperto che le zone umide immagazzinano più carbonio del previsto.",
           "La nostra squadra ha provato dodici portatili per trovare il migliore per gli studenti.",
           "Il museo riaprirà l'ala est con una collezione di fotografie antiche.",
           "Gli agricoltori si aspettano un buon raccolto grazie alla primavera mite.",
           "Leggete la guida di installazione prima di collegare il dispositivo alla rete."],
    "nl": ["De gemeenteraad heeft na een lang debat dinsdagavond de nieuwe begroting goedgekeurd.",
           "Onderzoekers ontdekten dat de wetlands meer koolstof opslaan dan verwacht.",
           "Ons team testte twaalf laptops om de beste voor studenten te vinden.",
           "Het museum heropent de oostvleugel met een collectie vroege foto's.",
           "De boeren verwachten een goede oogst dankzij het zachte voorjaar.",
           "Lees de installatiehandleiding voordat u het apparaat met uw netwerk verbindt."],
    "pl": ["Rada miasta przyjęła nowy budżet po długiej debacie we wtorek wieczorem.",
           "Naukowcy odkryli, że mokradła magazynują więcej węgla, niż się spodziewano.",
           "Nasz zespół przetestował dwanaście laptopów, aby znaleźć najlepszy dla studentów.",
           "Muzeum ponownie otworzy wschodnie skrzydło z kolekcją dawnych fotografii.",
           "Rolnicy spodziewają się dobrych zbiorów dzięki łagodnej wiośnie.",
           "Przeczytaj instrukcję instalacji przed podłączeniem urządzenia do sieci."],
    "ru": ["Городской совет утвердил новый бюджет после долгих дебатов во вторник вечером.",
           "Исследователи обнаружили, что прибрежные болота хранят больше углерода, чем ожидалось.",
           "Наша команда протестировала двенадцать ноутбуков, чтобы найти лучший для студентов.",
           "Музей вновь откроет восточное крыло с коллекцией старых фотографий.",
           "Фермеры ожидают хороший урожай благодаря мягкой весенней погоде.",
           "Прочитайте руководство по установке, прежде чем подключать устройство к сети."],
    "zh": ["市议会在周二晚上经过长时间辩论后批准了新的预算。", "研究人员发现沿海湿地储存的碳比预期的更多。",
           "我们的团队测试了十二台笔记本电脑，为学生找到最合适的一台。", "博物馆将重新开放东翼，展出一批早期照片。",
           "由于春天天气温和，当地农民预计今年会有好收成。", "在将设备连接到网络之前，请先阅读安装指南。"],
    "ja": ["市議会は火曜日の夜、長い議論の末に新しい予算を承認しました。", "研究者たちは、沿岸の湿地が予想以上に多くの炭素を蓄えていることを発見しました。",
           "私たちのチームは学生に最適な一台を見つけるために十二台のノートパソコンを試しました。", "博物館は初期の写真のコレクションとともに東館を再開します。",
           "穏やかな春の天気のおかげで、農家は豊作を期待しています。", "機器をネットワークに接続する前に、設置ガイドをお読みください。"],
    "ko": ["시의회는 화요일 저녁 긴 토론 끝에 새 예산을 승인했습니다.", "연구진은 해안 습지가 예상보다 더 많은 탄소를 저장한다는 사실을 발견했습니다.",
           "우리 팀은 학생에게 가장 좋은 노트북을 찾기 위해 열두 대를 시험했습니다.", "박물관은 초기 사진 컬렉션과 함께 동관을 다시 엽니다.",
           "온화한 봄 날씨 덕분에 농부들은 풍작을 기대하고 있습니다.", "장치를 네트워크에 연결하기 전에 설치 안내서를 읽으십시오."],
    "ar": ["وافق مجلس المدينة على الميزانية الجديدة بعد نقاش طويل مساء الثلاثاء.", "اكتشف الباحثون أن الأراضي الرطبة الساحلية تخزن كربونًا أكثر مما كان متوقعًا.",
           "اختبر فريقنا اثني عشر حاسوبًا محمولًا للعثور على الأفضل للطلاب.", "سيعيد المتحف افتتاح الجناح الشرقي مع مجموعة من الصور القديمة.",
           "يتوقع المزارعون محصولًا جيدًا بفضل طقس الربيع المعتدل.", "اقرأ دليل التثبيت قبل توصيل الجهاز بشبكتك."],
    "hi": ["नगर परिषद ने मंगलवार शाम लंबी बहस के बाद नया बजट मंजूर किया।", "शोधकर्ताओं ने पाया कि तटीय आर्द्रभूमि अपेक्षा से अधिक कार्बन जमा करती है।",
           "हमारी टीम ने छात्रों के लिए सबसे अच्छा लैपटॉप खोजने के लिए बारह लैपटॉप जांचे।", "संग्रहालय पुरानी तस्वीरों के संग्रह के साथ अपना पूर्वी हिस्सा फिर से खोलेगा।",
           "हल्के वसंत मौसम के कारण किसान अच्छी फसल की उम्मीद कर रहे हैं।", "डिवाइस को नेटवर्क से जोड़ने से पहले इंस्टॉलेशन गाइड पढ़ें।"],
}
LANGUAGES = tuple(SENTENCES)
RTL = {"ar"}
KINDS = ("article", "news", "product", "forum", "docs", "table", "landing", "search")
REMOTE = "https://cdn.example.com"


def _para(r: random.Random, lang: str, n: int) -> str:
    return " ".join(r.choice(SENTENCES[lang]) for _ in range(n))


def _remote_refs(r: random.Random, i: int) -> tuple[str, str]:
    """Head and body snippets with the remote references crawled pages carry."""
    head = [
        f'<link rel="stylesheet" href="{REMOTE}/css/site-{i % 7}.css">',
        '<link rel="preconnect" href="https://fonts.example.net"><link rel="icon" href="/favicon.ico">',
        f'<style>@import url("{REMOTE}/css/theme.css"); @font-face {{font-family: Brand; src: url({REMOTE}/fonts/brand.woff2) format("woff2");}}</style>',
        f'<script async src="https://tracker.example.org/t.js?id={i}"></script><script>window.dataLayer=[];</script>',
    ]
    body = [
        f'<img src="https://tracker.example.org/pixel.gif?p={i}" width="1" height="1" alt="">',
        f'<iframe src="https://ads.example.org/slot/{i}" width="300" height="250"></iframe>' if r.random() < 0.4 else "",
        f'<div style="background:url({REMOTE}/img/banner-{i % 5}.jpg) no-repeat;min-height:20px"></div>' if r.random() < 0.5 else "",
        '<a href="javascript:void(0)" onclick="share()">Share</a>' if r.random() < 0.5 else "",
    ]
    return "".join(r.sample(head, r.randint(1, len(head)))), "".join(body)


def _picture(r: random.Random, i: int, local: bool) -> str:
    w, h = r.choice([(640, 360), (300, 200), (120, 120), (800, 450)])
    if local and r.random() < 0.5:
        return f'<img src="../img/photo{i % 3}.png" alt="Photo {i}" width="{w // 2}" height="{h // 2}">'
    alt = r.choice(["A view of the harbour", "Product photo", "Team portrait", "", "Chart of the results"])
    return f'<img src="{REMOTE}/img/p{i}-{r.randint(1, 99)}.jpg" alt="{alt}" width="{w}" height="{h}">'


def _body(r: random.Random, kind: str, lang: str, i: int, local: bool) -> str:
    title = r.choice(SENTENCES[lang])[:40]
    long = r.random() < 0.3
    if kind == "article":
        parts = [f"<article><h1>{title}</h1><p class=meta>2024-0{1 + i % 9}-1{i % 10}</p>", _picture(r, i, local)]
        for _ in range(r.randint(6, 16) if long else r.randint(2, 5)):
            parts.append(f"<h2>{r.choice(SENTENCES[lang])[:30]}</h2><p>{_para(r, lang, r.randint(2, 6))}")  # unclosed <p>
        return "".join(parts) + "</article>"
    if kind == "news":
        items = "".join(f"<li><a href='/n/{i}-{k}'>{r.choice(SENTENCES[lang])}</a> <span class=time>{k + 1}h</span>"
                        for k in range(r.randint(4, 20)))  # unclosed <li>
        return f"<h1>{title}</h1><ul class=list>{items}</ul>"
    if kind == "product":
        price = f"{r.randint(5, 900)}.{r.randint(0, 99):02d}"
        specs = "".join(f"<tr><th>{r.choice(['Weight', 'Size', 'Colour', 'Battery'])}<td>{r.randint(1, 99)}" for _ in range(r.randint(3, 7)))
        return (f"<div class=product>{_picture(r, i, local)}<h1>{title}</h1><p class=price>€ {price}</p>"
                f"<p>{_para(r, lang, 3)}</p><form action='https://shop.example.com/cart' method=post><input type=hidden name=id value={i}>"
                f"<button type=submit>Add to cart</button></form><table class=specs>{specs}</table></div>")
    if kind == "forum":
        posts = "".join(f"<div class=post><b>user{r.randint(1, 999)}</b><p>{_para(r, lang, r.randint(1, 4))}</div>"
                        for _ in range(r.randint(2, 10)))
        return f"<h1>{title}</h1><div class=thread>{posts}</span></div>"  # a stray end tag
    if kind == "docs":
        code = "<pre><code>pip install example\nexample --help</code></pre>"
        nav = "<nav class=side><ul>" + "".join(f"<li><a href=#s{k}>Section {k}</a></li>" for k in range(6)) + "</ul></nav>"
        return f"{nav}<main><h1>{title}</h1><p>{_para(r, lang, 3)}{code}<h2 id=s1>{title[:20]}</h2><p>{_para(r, lang, 4)}</main>"
    if kind == "table":
        rows = "".join("<tr>" + "".join(f"<td>{r.randint(0, 9999)}</td>" for _ in range(5)) + "</tr>" for _ in range(r.randint(5, 30)))
        return f"<h1>{title}</h1><p>{_para(r, lang, 1)}</p><table border=1><thead><tr><th>A<th>B<th>C<th>D<th>E</thead><tbody>{rows}</table>"
    if kind == "landing":
        cards = "".join(f"<div class=card><h3>{r.choice(SENTENCES[lang])[:24]}</h3><p>{_para(r, lang, 1)}</p></div>" for _ in range(3))
        return (f"<section class=hero><h1>{title}</h1><p>{_para(r, lang, 2)}</p><a class=cta href='/signup'>Start</a></section>"
                f"<section class=cards>{cards}</section>{_picture(r, i, local)}")
    results = "".join(f"<div class=result><a href='https://example.com/{k}'><h3>{r.choice(SENTENCES[lang])[:50]}</h3></a>"
                      f"<cite>example.com/{k}</cite><p>{_para(r, lang, 1)}</p></div>" for k in range(r.randint(3, 10)))
    return f"<form action='/search'><input name=q value='{title[:10]}'></form>{results}"


def page_html(i: int, seed: int = 0, local: bool = False) -> str:
    """Page i of the corpus; `local`: it may use the folder's own stylesheet and pictures."""
    r = random.Random(seed * 1_000_003 + i)
    lang = LANGUAGES[i % len(LANGUAGES)] if r.random() < 0.85 else "en"
    kind = KINDS[(i // len(LANGUAGES)) % len(KINDS)]
    head, tail = _remote_refs(r, i)
    doctype = r.choice(["<!DOCTYPE html>", "<!doctype html>", "", '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">'])
    hue = r.randint(0, 359)
    style = (f"<style>body{{margin:0;font-family:{r.choice(['sans-serif', 'serif', 'Georgia, serif', 'system-ui'])};"
             f"background:hsl({hue},30%,97%);color:#222}} header{{background:hsl({hue},50%,30%);color:#fff;padding:12px 20px}}"
             "main,article,.thread,.product,section{padding:8px 20px} .card{display:inline-block;width:30%;vertical-align:top}"
             "nav.side{float:left;width:180px} table{border-collapse:collapse} td,th{padding:2px 6px}</style>")
    local_css = '<link rel=stylesheet href="../css/site.css">' if local else ""
    dir_attr = ' dir="rtl"' if lang in RTL else ""
    header = f"<header><b>Site {i % 23}</b> <a href=/>Home</a> · <a href=/about>About</a></header>"
    footer = f"<footer><p>© 2024 Example {i % 23}. <a href='https://example.com/privacy'>Privacy</a></footer>"
    return (f"{doctype}<html lang={lang}{dir_attr}><head><meta charset=utf-8><title>{kind} {i}</title>{head}{style}{local_css}</head>"
            f"<body onload='init()'>{header}{_body(r, kind, lang, i, local)}{tail}{footer}</body></html>")


def build_pages(n: int, seed: int = 0, local: bool = False, duplicates: bool = True) -> list[tuple[str, str]]:
    """n pages; with `duplicates`, every 25th page repeats the one before it exactly and every
    40th repeats it with one word changed (duplicates sit next to their original)."""
    pages = []
    for i in range(n):
        html = page_html(i, seed, local)
        if duplicates and i % 25 == 24:
            html = pages[-1][1]
        elif duplicates and i % 40 == 39:
            html = pages[-1][1].replace("</footer>", " Updated.</footer>", 1)
        pages.append((f"p{i:05d}", html))
    return pages


def write_folder(root: Path, pages: list[tuple[str, str]]) -> Path:
    """Pages under root/<section>/, with a local stylesheet, pictures and a font in root/css, root/img."""
    from PIL import Image

    root.mkdir(parents=True, exist_ok=True)
    (root / "css").mkdir(exist_ok=True)
    (root / "img").mkdir(exist_ok=True)
    (root / "css" / "site.css").write_text(
        "footer{border-top:1px solid #ccc;color:#555;padding:8px 20px;background:url(../img/stripe.png)}"
        ".price{font-size:28px;color:#b3261e} header b{letter-spacing:1px}\n", encoding="utf-8")
    Image.new("RGB", (8, 8), (238, 238, 244)).save(root / "img" / "stripe.png")
    for k in range(3):
        Image.new("RGB", (64, 40), (40 + 60 * k, 120, 200 - 50 * k)).save(root / "img" / f"photo{k}.png")
    for k, (name, html) in enumerate(pages):
        folder = root / f"s{k // 50:02d}"
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    return root


def write_jsonl(path: Path, pages: list[tuple[str, str]], license_: str | None = "cc-by-4.0") -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for name, html in pages:
            row = {"id": name, "url": f"https://example.com/{name}", "text": html}
            if license_:
                row["license"] = license_
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def write_parquet(path: Path, pages: list[tuple[str, str]], row_group_size: int = 16) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"url": [f"https://example.com/{n}" for n, _ in pages], "html": [h for _, h in pages],
                      "license": ["cc0"] * len(pages)})
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


def write_hf(path: Path, pages: list[tuple[str, str]], dict_split: str | None = None) -> Path:
    import datasets

    data = datasets.Dataset.from_dict({"text": [h for _, h in pages], "url": [f"https://example.com/{n}" for n, _ in pages]})
    if dict_split:
        datasets.DatasetDict({dict_split: data}).save_to_disk(str(path))
    else:
        data.save_to_disk(str(path), max_shard_size="20KB")
    return path


def write_warc(path: Path, pages: list[tuple[str, str]], gzip: bool = True, noise: bool = True) -> Path:
    """A crawl: per page a request and a response record (gzip per record when `gzip`), plus a
    warcinfo record, a redirect and a non-HTML response now and then."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "corpus_pages"}))
        for k, (name, html) in enumerate(pages):
            url = f"https://example.com/{name}"
            if noise and k % 7 == 3:
                http = StatusAndHeaders("301 Moved", [("Location", url + "/")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(b""), http_headers=http))
            if noise and k % 11 == 5:
                http = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(url + ".png", "response", payload=io.BytesIO(b"\x89PNG..."), http_headers=http))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode("utf-8")), http_headers=http))
    return path
