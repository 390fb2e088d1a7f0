//! The Quality Month report as the files a bureau sends upwards: its table columns (shared by
//! the CSV and the Word document) and the Word document itself (.docx, built with docx-rs):
//! title and period, the rolled-up table, the per-unit table, the units without an open day,
//! the deadlines with what is missing, the media list and the photos with their captions.
//! Chinese first, English second, as everywhere.
//!
//! docx-rs embeds PNG only, so each photo is decoded and re-encoded as PNG, shrunk to fit
//! the page; a stored photo that cannot be decoded, or that is larger than an upload may be
//! now (kept by an earlier version), is listed by its caption instead.
//!
//! Every text goes into `word/document.xml` without the characters XML 1.0 forbids (most
//! controls): the forms refuse them, but rows kept by earlier versions may hold them, and
//! one would make the whole document unreadable.

use crate::decoding;
use docx_rs::{
    AlignmentType, BreakType, Docx, LineSpacing, PageMargin, Paragraph, Pic, Run, RunFonts,
    Shading, Table, TableCell, TableCellMargins, TableRow, WidthType,
};
use labday_domain::activity::Localised;
use labday_domain::media::MediaItem;
use labday_domain::organisation::OrgKind;
use labday_domain::photo::fits_pixel_limits;
use labday_domain::report::{Filing, Gap, QualityReport, UnitCounts, UnitReport};
use std::io::Cursor;

/// The figure columns of a unit row, after its name. The summary's CSV has them all, each
/// a number; the Word report's table puts the three judgements in one column
/// ([`unit_heads`], [`unit_cells`]): in a spreadsheet one cell `20/2/1` reads as a date.
pub const UNIT_NUMBER_COLUMNS: [(&str, &str); 13] = [
    ("开放日", "Open days"),
    ("场次", "Sessions"),
    ("名额", "Places"),
    // Each "of them" is a part of the figure before it (online seats of the booked,
    // walk-ins of the checked in), not to be added to it again.
    ("预约人数", "Booked"),
    ("其中云课堂", "Of them online"),
    ("签到人数", "Checked in"),
    ("其中现场登记", "Of them walk-ins"),
    ("快检样品", "Samples"),
    ("阴性", "Negative"),
    ("可疑", "Suspicious"),
    ("阳性", "Positive"),
    ("媒体报道", "Media"),
    ("照片", "Photos"),
];

/// A unit's figures in [`UNIT_NUMBER_COLUMNS`] order.
pub fn unit_numbers(c: &UnitCounts) -> [u32; 13] {
    let f = &c.figures;
    let s = &f.samples;
    [
        c.open_days,
        f.sessions,
        f.places_offered,
        f.booked_people,
        f.cloud_classroom_seats,
        f.checked_in_people,
        f.walk_in_people,
        s.registered,
        s.negative,
        s.suspicious,
        s.positive,
        c.media_items,
        c.photos,
    ]
}

/// The Word report's column heads: [`UNIT_NUMBER_COLUMNS`], the judgements in one column.
fn unit_heads() -> Vec<String> {
    let c = &UNIT_NUMBER_COLUMNS;
    let head = |(zh, en): &(&str, &str)| format!("{zh}\n{en}");
    let judged = "阴性/可疑/阳性\nneg. / susp. / pos.".to_owned();
    c[..8]
        .iter()
        .map(head)
        .chain([judged])
        .chain(c[11..].iter().map(head))
        .collect()
}

/// A unit's figures in [`unit_heads`] order, as text: the judgements in one cell.
pub fn unit_cells(c: &UnitCounts) -> [String; 11] {
    let n = unit_numbers(c);
    let judged = format!("{}/{}/{}", n[8], n[9], n[10]);
    let cells: Vec<String> = n[..8]
        .iter()
        .map(u32::to_string)
        .chain([judged])
        .chain(n[11..].iter().map(u32::to_string))
        .collect();
    cells.try_into().expect("eleven cells")
}

/// What an organisation is, in both languages.
pub fn kind_label(kind: OrgKind) -> (&'static str, &'static str) {
    match kind {
        OrgKind::ProvinceBureau => ("省局", "province bureau"),
        OrgKind::CityBureau => ("市局", "city bureau"),
        OrgKind::CountyBureau => ("县（区）局", "county bureau"),
        OrgKind::Lab => ("实验室", "lab"),
        OrgKind::Institute => ("检测机构", "institute"),
    }
}

/// What a filing bureau still lacks, in both languages.
pub fn gap_label(gap: Gap) -> &'static str {
    match gap {
        Gap::NoOpenDay => "尚无开放日 no open day",
        Gap::NoFigures => "尚无参与数据 no participation figures",
        Gap::NoPhotos => "尚无照片 no photos",
        Gap::NoMedia => "尚无媒体报道 no media coverage",
    }
}

/// Who files to whom, in both languages.
pub fn filing_label(filing: Filing) -> &'static str {
    match filing {
        Filing::CountyToCity => "县（区）局向市局报送总结 County bureaus report to the city",
        Filing::CityToProvince => "市局向省局报送总结 City bureaus report to the province",
    }
}

/// How far off a deadline is, in both languages.
pub fn days_left_label(days_left: i64) -> String {
    match days_left {
        0 => "今日截止 due today".to_owned(),
        d if d > 0 => format!("还有 {d} 天 {d} days left"),
        d => format!("已逾期 {} 天 {} days overdue", -d, -d),
    }
}

/// A unit's name as the tables show it: Chinese, then English when there is one.
pub fn both_names(name: &Localised) -> String {
    if name.en.is_empty() || name.en == name.zh {
        name.zh.clone()
    } else {
        format!("{} {}", name.zh, name.en)
    }
}

/// The report's title, naming the unit at its top when there is one.
pub fn title(report: &QualityReport) -> String {
    let top = report
        .units
        .first()
        .filter(|_| report.units.iter().filter(|u| u.depth == 0).count() == 1)
        .map(|u| u.name.zh.clone())
        .unwrap_or_default();
    format!("{top} {}年“质量月”实验室开放日活动总结", report.year)
}

/// A photo ready for the document: its caption and, when it could be read, a PNG.
pub struct ReportPhoto {
    pub caption: String,
    pub image: Option<Bytes>,
}

/// A PNG and its size in pixels.
pub struct Bytes {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Longest side of a photo in the document, in pixels: sharp at the 14 cm it is shown at,
/// without megabytes per photo.
const PHOTO_MAX_PX: u32 = 1000;
/// Width of a photo on the page, in EMU (14 cm).
const PHOTO_WIDTH_EMU: u32 = 14 * 360_000;

/// Decodes a stored photo (JPEG, PNG or WebP) and re-encodes it as a PNG that fits the
/// page; `None` when the bytes do not decode, or declare more pixels than an upload may
/// have ([`fits_pixel_limits`], read from the header before anything is decoded) or need
/// more memory than [`decoding::limits`] allow. Decoded on the decoding thread, after the
/// photos asked for before it ([`decoding::alone`]): call it off the async workers.
pub fn photo_png(bytes: Vec<u8>) -> Option<Bytes> {
    decoding::alone(move || page_png(&bytes)).flatten()
}

/// [`photo_png`], on the decoding thread.
fn page_png(bytes: &[u8]) -> Option<Bytes> {
    let reader = || {
        image::ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .ok()
    };
    let (width, height) = reader()?.into_dimensions().ok()?;
    if !fits_pixel_limits(width, height) {
        tracing::warn!(width, height, "photo too large for the report: skipped");
        return None;
    }
    let mut reader = reader()?;
    reader.limits(decoding::limits());
    let image = reader.decode().ok()?;
    let image = if image.width().max(image.height()) > PHOTO_MAX_PX {
        image.thumbnail(PHOTO_MAX_PX, PHOTO_MAX_PX)
    } else {
        image
    };
    let mut png = Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png).ok()?;
    Some(Bytes {
        png: png.into_inner(),
        width: image.width(),
        height: image.height(),
    })
}

/// Whether XML 1.0 allows `c` in a document: tab, line feed, carriage return, and
/// everything from U+0020 on but U+FFFE and U+FFFF (a Rust string holds no surrogates).
fn xml_allows(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `t` without the characters XML 1.0 forbids.
fn xml_safe(t: &str) -> String {
    t.chars().filter(|&c| xml_allows(c)).collect()
}

/// A run of text, safe for the document's XML.
fn run(t: impl AsRef<str>) -> Run {
    Run::new().add_text(xml_safe(t.as_ref()))
}

// Sizes in half-points.
const TITLE_SIZE: usize = 36;
const HEADING_SIZE: usize = 28;
const BODY_SIZE: usize = 22;
const TABLE_SIZE: usize = 16;
const HEADER_FILL: &str = "D9E2F3";

fn text(t: impl AsRef<str>, size: usize) -> Paragraph {
    Paragraph::new().add_run(run(t).size(size))
}

fn heading(t: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(t).size(HEADING_SIZE).bold())
        .line_spacing(LineSpacing::new().before(240).after(120))
        .keep_next(true)
}

/// A table cell: each line of `t` on a line of its own; a header's a size smaller, so that
/// English words fit the narrow figure columns.
fn cell(t: &str, header: bool, centred: bool) -> TableCell {
    let size = if header { TABLE_SIZE - 2 } else { TABLE_SIZE };
    let mut run = Run::new().size(size);
    for (n, line) in t.split('\n').enumerate() {
        if n > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(xml_safe(line));
    }
    let run = if header { run.bold() } else { run };
    let align = if centred {
        AlignmentType::Center
    } else {
        AlignmentType::Left
    };
    let cell = TableCell::new().add_paragraph(Paragraph::new().add_run(run).align(align));
    if header {
        cell.shading(Shading::new().fill(HEADER_FILL))
    } else {
        cell
    }
}

/// A row, centred from column `centred_from` on (the figures).
fn table_row(cells: &[String], header: bool, centred_from: usize) -> TableRow {
    let cells = cells.iter().enumerate();
    let cells = cells.map(|(i, c)| cell(c, header, i >= centred_from));
    TableRow::new(cells.collect()).cant_split()
}

/// A table with a shaded header row; `widths` in twips, one per column; columns from
/// `centred_from` on centred.
fn table(
    header: &[String],
    rows: Vec<Vec<String>>,
    widths: &[usize],
    centred_from: usize,
) -> Table {
    // A grid short of a column makes Word repair the document (it asks before opening).
    debug_assert_eq!(widths.len(), header.len(), "one width per column");
    let head = table_row(header, true, centred_from);
    let body = rows.iter().map(|r| table_row(r, false, centred_from));
    Table::new(std::iter::once(head).chain(body).collect())
        .set_grid(widths.to_vec())
        .width(widths.iter().sum(), WidthType::Dxa)
        .margins(TableCellMargins::new().margin(30, 50, 30, 50))
}

/// The unit tables' header: the unit, then the figures, each in both languages.
fn unit_header(first: &str) -> Vec<String> {
    std::iter::once(first.to_owned())
        .chain(unit_heads())
        .collect()
}

fn unit_row(name: String, c: &UnitCounts) -> Vec<String> {
    std::iter::once(name).chain(unit_cells(c)).collect()
}

/// A unit's name indented by its depth, with its kind.
fn indented(u: &UnitReport) -> String {
    let (zh, _) = kind_label(u.kind);
    format!(
        "{}{}（{zh}）",
        "  ".repeat(u.depth as usize),
        both_names(&u.name)
    )
}

// A4 with 2 cm margins leaves 17 cm (9638 twips) across.
const ACROSS: usize = 9638;
const NAME_WIDTH: usize = 1838;

/// One width per column of [`unit_header`]: the name's, and the rest shared by the figures.
fn unit_widths() -> Vec<usize> {
    let figures = unit_heads().len();
    std::iter::once(NAME_WIDTH)
        .chain(std::iter::repeat_n(
            (ACROSS - NAME_WIDTH) / figures,
            figures,
        ))
        .collect()
}

/// The report as a Word document.
pub fn report_docx(
    report: &QualityReport,
    media: &[MediaItem],
    photos: &[ReportPhoto],
    made_on: chrono::NaiveDate,
) -> Result<Vec<u8>, String> {
    let fonts = RunFonts::new()
        .east_asia("SimSun")
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman");
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(1134)
                .bottom(1134)
                .left(1134)
                .right(1134),
        )
        .default_fonts(fonts)
        .default_size(BODY_SIZE)
        .add_paragraph(
            Paragraph::new()
                .add_run(run(title(report)).size(TITLE_SIZE).bold())
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            text(
                format!(
                    "Quality Month {}: testing-lab open days — summary report",
                    report.year
                ),
                BODY_SIZE,
            )
            .align(AlignmentType::Center),
        )
        .add_paragraph(
            text(
                format!(
                    "质量月 Quality Month：{} 至 {}　　　制表日期 Prepared：{made_on}",
                    report.period_from, report.period_to
                ),
                BODY_SIZE,
            )
            .align(AlignmentType::Center),
        )
        .add_paragraph(
            text(
                format!(
                    "统计 {year} 年内开始的全部活动 Counts every activity that began in {year}",
                    year = report.year
                ),
                BODY_SIZE,
            )
            .align(AlignmentType::Center),
        );

    doc = doc
        .add_paragraph(heading("一、逐级汇总 Figures rolled up"))
        .add_paragraph(text(
            "各局合计数 = 本级 + 下级全部单位。Each bureau's total is its own plus everything under it.",
            BODY_SIZE,
        ));
    let mut rolled: Vec<Vec<String>> = report
        .units
        .iter()
        .filter(|u| u.kind.is_bureau())
        .map(|u| unit_row(indented(u), &u.total))
        .collect();
    rolled.push(unit_row("合计 Total".to_owned(), &report.overall));
    doc = doc.add_table(table(&unit_header("单位 Unit"), rolled, &unit_widths(), 1));

    doc = doc.add_paragraph(heading("二、各单位情况 Each unit's own figures"));
    let own = report
        .units
        .iter()
        .map(|u| unit_row(indented(u), &u.own))
        .collect();
    doc = doc.add_table(table(&unit_header("单位 Unit"), own, &unit_widths(), 1));

    doc = doc.add_paragraph(heading(
        "三、尚未举办开放日的单位 Units without an open day",
    ));
    if report.without_open_day.is_empty() {
        doc = doc.add_paragraph(text("无。None.", BODY_SIZE));
    }
    for u in &report.without_open_day {
        let (zh, en) = kind_label(u.kind);
        doc = doc.add_paragraph(text(
            format!("• {}（{zh} {en}）", both_names(&u.name)),
            BODY_SIZE,
        ));
    }

    doc = doc.add_paragraph(heading("四、报送时限 Reporting deadlines"));
    if report.deadlines.is_empty() {
        doc = doc.add_paragraph(text(
            "本范围内无报送单位。No bureau here files a summary.",
            BODY_SIZE,
        ));
    }
    for d in &report.deadlines {
        doc = doc.add_paragraph(
            Paragraph::new().add_run(
                run(format!(
                    "{}：{}（{}）",
                    filing_label(d.filing),
                    d.due_on,
                    days_left_label(d.days_left)
                ))
                .size(BODY_SIZE)
                .bold(),
            ),
        );
        if d.missing.is_empty() {
            doc = doc.add_paragraph(text(
                format!(
                    "{} 个报送单位材料齐全。All {} filing bureaus are complete.",
                    d.filers, d.filers
                ),
                BODY_SIZE,
            ));
        }
        for m in &d.missing {
            let gaps: Vec<&str> = m.gaps.iter().map(|&g| gap_label(g)).collect();
            doc = doc.add_paragraph(text(
                format!("• {}：{}", both_names(&m.name), gaps.join("；")),
                BODY_SIZE,
            ));
        }
    }

    doc = doc.add_paragraph(heading("五、媒体报道 Media coverage"));
    if media.is_empty() {
        doc = doc.add_paragraph(text("尚无。None yet.", BODY_SIZE));
    } else {
        let header: Vec<String> = ["日期 Date", "媒体 Outlet", "标题 Headline", "链接 Link"]
            .map(str::to_owned)
            .to_vec();
        let rows = media
            .iter()
            .map(|m| {
                vec![
                    m.published_on.to_string(),
                    m.outlet.clone(),
                    m.headline.clone(),
                    m.link.clone(),
                ]
            })
            .collect();
        doc = doc.add_table(table(&header, rows, &[1300, 1800, 3138, 3400], usize::MAX));
    }

    doc = doc.add_paragraph(heading("六、活动照片 Photos"));
    if photos.is_empty() {
        doc = doc.add_paragraph(text("尚无。None yet.", BODY_SIZE));
    }
    for (n, p) in photos.iter().enumerate() {
        if let Some(image) = &p.image {
            let height = u64::from(PHOTO_WIDTH_EMU) * u64::from(image.height)
                / u64::from(image.width.max(1));
            let pic = Pic::new_with_dimensions(image.png.clone(), image.width, image.height)
                .size(PHOTO_WIDTH_EMU, u32::try_from(height).unwrap_or(u32::MAX));
            doc = doc.add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_image(pic))
                    .align(AlignmentType::Center)
                    .keep_next(true),
            );
        }
        let unreadable = if p.image.is_none() {
            "（图片无法读取 image unreadable）"
        } else {
            ""
        };
        doc = doc.add_paragraph(
            text(
                format!("图{} Photo {}：{}{unreadable}", n + 1, n + 1, p.caption),
                BODY_SIZE,
            )
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().before(60).after(240)),
        );
    }

    let mut out = Cursor::new(Vec::new());
    doc.pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use labday_domain::photo::{dimensions, ImageType};

    #[test]
    fn the_unit_tables_have_one_width_per_column_within_the_page() {
        let widths = unit_widths();
        assert_eq!(widths.len(), unit_header("单位 Unit").len());
        assert!(widths.iter().sum::<usize>() <= ACROSS);
    }

    #[test]
    fn text_loses_what_xml_forbids_and_keeps_the_rest() {
        assert_eq!(
            xml_safe("第一行\u{b}第二行\u{7}\u{0}\u{1f}\u{fffe}\u{ffff}"),
            "第一行第二行"
        );
        let kept = "a\tb\nc\r\n<&> 👨\u{200d}👩 \u{e000}\u{fffd}\u{10000}";
        assert_eq!(xml_safe(kept), kept);
    }

    /// `image` at 64 × 48 in `format`.
    fn encoded(format: image::ImageFormat) -> Vec<u8> {
        let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn the_domain_reads_the_size_an_encoder_wrote_and_the_report_decodes_it() {
        for (format, kind) in [
            (image::ImageFormat::Jpeg, ImageType::Jpeg),
            (image::ImageFormat::Png, ImageType::Png),
            (image::ImageFormat::WebP, ImageType::Webp),
        ] {
            let bytes = encoded(format);
            assert_eq!(ImageType::sniff(&bytes), Some(kind));
            assert_eq!(dimensions(kind, &bytes), Some((64, 48)), "{kind:?}");
            let png = photo_png(bytes).expect("decodes");
            assert_eq!((png.width, png.height), (64, 48));
        }
    }
}
