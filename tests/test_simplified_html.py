"""Pix2Struct simplified HTML from hand-made DOM trees (the renderer's facts["dom"] layout)."""

from factory.tasks.simplified_html import image_name, simplify, text_spans


def text(t, visible=True, box=(0, 0, 50, 16)):
    return {"tag": "#text", "text": t, "visible": visible, "box": list(box)}


def el(tag, *children, visible=True, box=(0, 0, 100, 20), **attrs):
    own = " ".join(c["text"] for c in children if c["tag"] == "#text")
    return {"tag": tag, "text": own, "visible": visible, "box": list(box), "attrs": attrs, "children": list(children)}


def img(src, alt="", visible=True, box=(0, 0, 32, 32), **attrs):
    return el("img", visible=visible, box=box, src=src, alt=alt, **attrs)


def design_example():
    """The tree behind DESIGN.md's example: two language entries and a button."""
    python = el("div", el("p", text("Python")), img("https://example.com/img/py_logo.png", "Python"))
    cpp = el("div", el("p", text("C++")), img("/static/cpp_logo.svg?v=3", "C++"))
    form = el("form", python, cpp, el("button", text("Submit")))
    return el("html", el("body", el("main", form)))


def test_design_example_exactly():
    expected = "<<<Python> <img_src=py_logo img_alt=Python>> <<C++> <img_src=cpp_logo img_alt=C++>> <Submit>>"
    assert simplify(design_example()) == expected


def test_hidden_nodes_are_dropped_but_visible_descendants_kept():
    hidden_parent = el("div", el("span", text("Shown")), visible=False)
    tree = el("body", el("p", text("Gone", visible=False)), el("nav", el("a", text("Nope")), visible=False), hidden_parent,
              el("p", text("Kept")))
    # The invisible <nav>'s link is itself marked visible=True by nothing: mark it hidden explicitly.
    tree["children"][1]["children"][0]["visible"] = False
    tree["children"][1]["children"][0]["children"][0]["visible"] = False
    assert simplify(tree) == "<<Shown> <Kept>>"


def test_collapse_chain_into_single_child_and_lone_text():
    tree = el("html", el("body", el("div", el("div", el("section", el("h1", text("Title")))))))
    assert simplify(tree) == "<Title>"


def test_mixed_text_keeps_document_order():
    tree = el("body", el("p", text("Hello"), el("b", text("world")), text("again")), el("p", text("Bye")))
    assert simplify(tree) == "<<Hello <world> again> <Bye>>"


def test_images_use_data_src_name_and_skip_data_uris():
    named = img("data:image/png;base64,AAAA", "A lake", **{"data-src-name": "mountain_lake_2"})
    anonymous = img("data:image/png;base64,BBBB", "")  # nothing to say: dropped
    only_alt = img("data:image/png;base64,CCCC", "Team photo")
    tree = el("body", el("figure", named, el("figcaption", text("Caption"))), anonymous, only_alt)
    assert simplify(tree) == "<<<img_src=mountain_lake_2 img_alt=A lake> <Caption>> <img_alt=Team photo>>"


def test_hidden_image_and_empty_page():
    assert simplify(el("body", img("a.png", "x", visible=False))) == ""
    assert simplify(el("body", el("div", text("   ")))) == ""


def test_image_name_from_paths():
    assert image_name({"src": "https://cdn.example.com/a/b/logo.final.png?x=1#y"}) == "logo.final"
    assert image_name({"src": "photo"}) == "photo"
    assert image_name({"src": "data:image/png;base64,xx"}) == ""
    assert image_name({"data-src-name": "hero", "src": "x.png"}) == "hero"


def test_tree_without_text_nodes_uses_element_text():
    tree = {"tag": "body", "text": "", "visible": True, "box": [0, 0, 10, 10], "attrs": {}, "children": [
        {"tag": "p", "text": "One", "visible": True, "box": [0, 0, 10, 10], "attrs": {}, "children": []},
        {"tag": "p", "text": "Two", "visible": True, "box": [0, 0, 10, 10], "attrs": {}, "children": []},
    ]}
    assert simplify(tree) == "<<One> <Two>>"


def test_bounds_drop_nodes_outside_the_capture():
    top = el("p", text("Top", box=(10, 10, 50, 26)), box=(10, 10, 50, 26))  # [x0, y0, x1, y1]
    cut = el("p", text("Cut in half", box=(10, 390, 90, 410)), box=(10, 390, 90, 410))
    below = el("p", text("Below", box=(10, 500, 50, 516)), box=(10, 500, 50, 516))
    tree = el("body", top, cut, below, box=(0, 0, 400, 600))
    assert simplify(tree) == "<<Top> <Cut in half> <Below>>"
    assert simplify(tree, bounds=(400, 400)) == "<Top>"
    spans = text_spans(tree, bounds=(400, 400))
    assert spans == [{"text": "Top", "box": [10, 10, 50, 26]}]
    assert [s["text"] for s in text_spans(tree)] == ["Top", "Cut in half", "Below"]
