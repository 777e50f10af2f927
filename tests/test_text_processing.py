"""Text processing without the bot: reading .docx (tracked changes, content controls,
tables, numbering, line breaks), splitting long resolutions, the digest's Markdown."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml import parse_xml

from bot.resolutions.files import read_docx
from bot.resolutions.messages import render_resolution
from bot.services.digest import Digest, SurveyLine, digest_markdown, markdown_escape
from bot.split import TEXT_LIMIT, split_paragraphs, telegram_length
from bot.texts import TextCatalog, Texts
from storage.events import Event, EventDraft
from storage.resolutions import Resolution
from storage.values import EventFormat, EventKind, EventStatus, ResolutionStatus
from tests.fake_telegram import parse_html

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
NS = f'xmlns:w="{W}" xmlns:mc="{MC}" xmlns:wps="{WPS}"'
MSK = ZoneInfo("Europe/Moscow")


def texts(locale: str = "ru") -> Texts:
    return TextCatalog.load().get(locale)


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def add_xml(document: DocxDocument, xml: str) -> None:
    """A block (paragraph, content control, table) written as WordprocessingML."""
    body = document.element.body
    body.insert(len(body) - 1, parse_xml(xml.replace("<NS>", NS)))  # before w:sectPr


def saved(document: DocxDocument) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def with_xml(document: DocxDocument, paragraph_xml: str) -> None:
    """Extra run-level XML at the end of the document's last paragraph."""
    paragraph = document.paragraphs[-1]._p
    paragraph.append(parse_xml(paragraph_xml.replace("<NS>", NS)))


# --- .docx: text the old reader lost --------------------------------------------------------


def test_docx_reads_tracked_insertions_smart_tags_and_content_controls() -> None:
    document = Document()
    add_xml(
        document,
        f"<w:p <NS>>{run('Рекомендовать ')}"
        f'<w:ins w:id="1" w:author="Ольга" w:date="2026-03-01T10:00:00Z">'
        f"{run('администрациям ')}</w:ins>"
        f'<w:del w:id="2" w:author="Ольга" w:date="2026-03-01T10:00:00Z">'
        f'<w:r><w:delText xml:space="preserve">удалённое слово </w:delText></w:r>'
        f"<w:r><w:tab/></w:r></w:del>"
        f'<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="City">'
        f"{run('Вологды')}</w:smartTag>"
        f"<w:r><w:tab/></w:r>{run('и')}"
        f"<w:sdt><w:sdtPr/><w:sdtContent>{run(' Костромы')}</w:sdtContent></w:sdt>"
        f'<w:moveFrom w:id="3" w:author="Ольга">{run(" перенесено")}</w:moveFrom>'
        f"{run(' подготовить программы.')}</w:p>",
    )
    add_xml(  # a content control of a template, holding whole paragraphs
        document,
        f"<w:sdt <NS>><w:sdtPr/><w:sdtContent>"
        f"<w:p>{run('Из шаблона: первый абзац.')}</w:p>"
        f"<w:p>{run('Второй абзац шаблона.')}</w:p>"
        f"</w:sdtContent></w:sdt>",
    )
    add_xml(  # a control still showing its prompt: not the text of the resolution
        document,
        f"<w:sdt <NS>><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>"
        f"<w:p>{run('Место для ввода текста.')}</w:p></w:sdtContent></w:sdt>",
    )
    document.add_paragraph("Подпись")
    with_xml(  # a text box: Word writes it twice (DrawingML and a VML fallback)
        document,
        f'<w:r <NS>><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp>'
        f"<wps:txbx><w:txbxContent><w:p>{run('В рамке')}</w:p></w:txbxContent></wps:txbx>"
        f"</wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>"
        f"<w:p>{run('В рамке')}</w:p></w:txbxContent></w:pict></mc:Fallback>"
        f"</mc:AlternateContent></w:r>",
    )
    assert read_docx(saved(document)) == [
        "Рекомендовать администрациям Вологды и Костромы подготовить программы.",
        "Из шаблона: первый абзац.",
        "Второй абзац шаблона.",
        "Подпись",
        "В рамке",
    ]


def test_docx_numbers_count_empty_items_and_survive_line_breaks() -> None:
    document = Document()
    document.add_paragraph("Собрание решило:")
    document.add_paragraph("Первый", style="List Number")
    document.add_paragraph("", style="List Number")  # Word shows "2." here
    third = document.add_paragraph("Третий, первая строка", style="List Number")
    third.add_run().add_break()  # Shift+Enter
    third.add_run("вторая строка")
    document.add_paragraph("Четвёртый", style="List Number")
    opening = document.add_paragraph()
    opening.add_run().add_break()  # a paragraph that starts with a line break
    opening.add_run("Председатель\tИ. И. Петров")
    paragraphs = read_docx(saved(document))
    assert paragraphs == [
        "Собрание решило:",
        "1. Первый",
        "3. Третий, первая строка",
        "вторая строка",
        "4. Четвёртый",
        "Председатель И. И. Петров",
    ]
    assert not any("\n" in p for p in paragraphs)  # one element, one line of the body


def test_docx_a_deleted_numbered_paragraph_is_not_counted() -> None:
    document = Document()
    document.add_paragraph("Первый", style="List Number")
    deleted = document.add_paragraph("", style="List Number")
    deleted._p.get_or_add_pPr().append(
        parse_xml(
            f'<w:rPr xmlns:w="{W}"><w:del w:id="9" w:author="Ольга" '
            f'w:date="2026-03-01T10:00:00Z"/></w:rPr>'
        )
    )
    deleted._p.append(
        parse_xml(
            f'<w:del xmlns:w="{W}" w:id="10" w:author="Ольга" w:date="2026-03-01T10:00:00Z">'
            f"<w:r><w:delText>Снятый пункт</w:delText></w:r></w:del>"
        )
    )
    document.add_paragraph("Второй", style="List Number")
    assert read_docx(saved(document)) == ["1. Первый", "2. Второй"]


def test_docx_tables_keep_equal_values_and_rows_on_one_line() -> None:
    document = Document()
    rows = [
        ["Город", "2025", "2026", "Рост"],
        ["Вологда", "10", "10", "0"],
        ["Кострома", "нет данных", "", "—"],
        ["Псков", "7", "", "1"],
        ["", "", "", ""],
        ["Область", "3", "4", "1"],
        ["", "5", "5", "0"],
    ]
    table = document.add_table(rows=len(rows), cols=4)
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    table.cell(2, 1).merge(table.cell(2, 2)).text = "нет данных"  # across both years
    table.cell(3, 0).add_paragraph("(с пригородами)")  # a second paragraph in the cell
    soft = table.cell(3, 3).paragraphs[0]
    soft.add_run().add_break()  # Shift+Enter in a cell
    soft.add_run("к 2025")
    table.cell(5, 0).merge(table.cell(6, 0)).text = "Область"  # down two rows
    numbered = document.add_table(rows=2, cols=2)  # the "No." column numbered by Word
    for number, name in enumerate(["Вологда", "Псков"]):
        numbered.cell(number, 0).paragraphs[0].style = document.styles["List Number"]
        numbered.cell(number, 1).text = name
    document.add_paragraph("После таблицы", style="List Number")
    paragraphs = read_docx(saved(document))
    assert paragraphs == [
        "Город | 2025 | 2026 | Рост",
        "Вологда | 10 | 10 | 0",  # equal values in different cells both stay
        "Кострома | нет данных | —",  # a horizontal merge is read once
        "Псков / (с пригородами) | 7 | | 1 к 2025",  # the empty cell keeps its place
        "Область | 3 | 4 | 1",
        "Область | 5 | 5 | 0",  # a vertical merge repeats its text in each row
        "1. | Вологда",
        "2. | Псков",
        "3. После таблицы",
    ]
    assert not any("\n" in p for p in paragraphs)  # one row, one line of the body


# --- splitting long resolutions -------------------------------------------------------------

SENTENCE_WORDS = [f"слово{i}&<{i}>" for i in range(1, 2000)]


def sentence_of(units: int, first: str = "Рекомендовать") -> str:
    """One sentence (no inner ". ") of exactly `units` UTF-16 units, ending with "."."""
    words = [first]
    for word in SENTENCE_WORDS:
        if telegram_length(" ".join([*words, word])) + 1 > units:
            break
        words.append(word)
    text = " ".join(words)
    padding = units - telegram_length(text) - 2
    return f"{text} {'я' * padding}." if padding > 0 else f"{text}."


def adopted(resolution_id: int, *, city_name: str, title: str, body: str) -> Resolution:
    """A resolution adopted at the assembly of 12 March 2026, with no file."""
    return Resolution(
        id=resolution_id,
        status=ResolutionStatus.ADOPTED,
        assembly_date=date(2026, 3, 12),
        city_name=city_name,
        city_name_en=None,
        title=title,
        body=body,
        file_key=None,
        file_name=None,
        adopted_id=None,
        draft_id=None,
    )


def delivered(body: str) -> list[str]:
    """The resolution's text parts as Telegram shows them (the mark included)."""
    resolution = adopted(1, city_name="Вологда", title="Итоги", body=body)
    parts = render_resolution(texts(), {"resolution": resolution.to_json()})[1:]
    shown = []
    for part in parts:
        visible, _ = parse_html(getattr(part, "text", ""))
        assert telegram_length(visible) <= TEXT_LIMIT
        shown.append(re.sub(r"^\(\d+/\d+\)\n", "", visible))
    return shown


def assert_no_orphans(chunks: list[str]) -> None:
    for chunk in chunks:
        last = chunk.split("\n\n")[-1].strip()
        assert re.fullmatch(r"\d+\.|\w{1,3}\.|(\w+ ){0,2}\w{1,3}\.", last) is None, chunk
        assert not last.endswith(":"), chunk  # a heading never ends a part


def test_a_number_is_not_left_alone_before_a_long_first_sentence() -> None:
    first = sentence_of(4071)
    assert telegram_length(first) == 4071
    body = "\n".join(["Собрание решило:", f"1. {first} Второе предложение пункта.", "2. Конец."])
    shown = delivered(body)
    assert len(shown) >= 2
    assert shown[0].startswith("Собрание решило:\n\n1. Рекомендовать слово1&<1>")
    assert_no_orphans(shown)
    assert " ".join(shown).split() == body.split()  # every word, whole and in order


def test_an_abbreviation_is_not_left_alone() -> None:
    for extra in range(6):  # where the words meet the limit varies with the words before
        start = "собрались" + " в" * extra
        body = f"В г. Вологда {sentence_of(5000, start)} Итог."
        shown = delivered(body)
        assert shown[0].startswith(f"В г. Вологда {start} слово1&<1>")
        assert_no_orphans(shown)
        assert " ".join(shown).split() == body.split()
    # a paragraph cut into pieces: no sentence break after "г." or an initial
    chunks = split_paragraphs(["Предисловие. " * 150 + "Докладчик И. И. Петров, г. Псков."], 1000)
    assert not any(c.endswith((" И.", " г.")) for c in chunks)


def test_a_heading_goes_with_the_first_piece_of_a_long_paragraph() -> None:
    long = " ".join(sentence_of(700, f"Пункт{i}") for i in range(12))  # about 8 400 units
    body = "\n".join(["Вступление.", "Собрание Союза городов решило:", long, "Подпись."])
    shown = delivered(body)
    assert len(shown) >= 3
    assert shown[0] == "Вступление."  # the unit after it is longer than a message
    assert shown[1].startswith("Собрание Союза городов решило:\n\nПункт0 ")
    assert_no_orphans(shown)
    assert all(part.endswith(".") for part in shown)  # half-full pieces end on a sentence
    assert " ".join(shown).split() == body.split()


def test_a_word_longer_than_a_message_still_follows_its_number() -> None:
    chunks = split_paragraphs(["1.", "ж" * 2500, "2. Второй."], 1000)
    assert all(telegram_length(c) <= 1000 for c in chunks)
    assert chunks[0].startswith("1. жж")
    assert "".join(chunks).count("ж") == 2500


def test_long_texts_are_cut_between_sentences_when_pieces_are_full_enough() -> None:
    paragraph = " ".join(f"Предложение {i} о развитии городов Союза." for i in range(300))
    chunks = split_paragraphs([paragraph], 1000)
    assert all(500 <= telegram_length(c) <= 1000 for c in chunks[:-1])
    assert all(c.endswith("Союза.") for c in chunks)
    assert " ".join(chunks) == paragraph


# --- plurals ----------------------------------------------------------------------------------


def test_characters_agree_with_the_number() -> None:
    ru, en = texts("ru"), texts("en")
    assert ru.plural("resolutions.count.chars", 21) == "21 знак"
    assert ru.plural("resolutions.count.chars", 4562) == "4\xa0562 знака"
    assert ru.plural("resolutions.count.chars", 25) == "25 знаков"
    assert en.plural("resolutions.count.chars", 1) == "1 character"
    assert en.plural("resolutions.count.chars", 4562) == "4,562 characters"


# --- the digest's Markdown --------------------------------------------------------------------


def test_markdown_escape() -> None:
    assert markdown_escape("a | b") == r"a \| b"
    assert markdown_escape("<b>жирный</b>") == r"\<b\>жирный\</b\>"
    assert markdown_escape("*x* _y_ `z` [a](b) #1 ~s~ C:\\d &amp;") == (
        r"\*x\* \_y\_ \`z\` \[a\](b) \#1 \~s\~ C:\\d \&amp;"
    )
    assert markdown_escape("1. Пункт") == r"1\. Пункт"  # not a list inside the list item
    assert markdown_escape("- тире") == r"\- тире"
    assert markdown_escape("две\nстроки") == "две строки"
    assert markdown_escape("Обычный заголовок") == "Обычный заголовок"


def test_digest_markdown_shows_titles_literally() -> None:
    title = "Тарифы | ЖКХ <b>2026</b> *важно* _срочно_"
    event = Event(
        id=1,
        draft=EventDraft(
            kind=EventKind.CONFERENCE,
            title=title,
            city_id=None,
            city_name="Вологда|Череповец",
            starts_at=datetime(2026, 12, 1, 10, 0, tzinfo=MSK),
            ends_at=None,
            format=EventFormat.IN_PERSON,
            place=None,
            link=None,
            description="",
        ),
        city_name_en=None,
        status=EventStatus.PUBLISHED,
        version=1,
        created_by=None,
    )
    resolution = adopted(2, city_name="Псков", title="О [тарифах] #1", body="1. Пункт.")
    digest = Digest(
        year=2026,
        events=[event],
        surveys=[SurveyLine(title="1. Тарифы `ЖКХ`", cities=3, total=5)],
        resolutions=[resolution],
    )
    md = digest_markdown(texts(), digest)
    row = next(line for line in md.splitlines() if "Тарифы \\| ЖКХ" in line)
    assert row == (
        r"| 1 декабря 2026 г. | Тарифы \| ЖКХ \<b\>2026\</b\> \*важно\* \_срочно\_ "
        r"| Вологда\|Череповец |"
    )
    assert len(re.findall(r"(?<!\\)\|", row)) == 4  # three columns, as in the header
    assert "| Вологда\\|Череповец | 1 |" in md
    assert "- 1\\. Тарифы \\`ЖКХ\\` — 3 города из 5" in md
    assert "1. 12 марта 2026 г., Псков: «О \\[тарифах\\] \\#1»" in md
    assert digest_markdown(texts("en"), digest).count("Тарифы \\| ЖКХ") == 1
