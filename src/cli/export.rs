//! `hotspots export`: a layer written exactly as the API would answer it. The
//! flags become the API's query parameters and go through its parser, so the
//! two accept, refuse and default the same things.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use super::args::{FilterArgs, LayerCommon, OutFormat};
use super::open_store;
use crate::publish::{self, Layer, LayerRequest, OutputFormat, StudyAreaSpec};
use crate::store::{ReportFilter, Store};

/// Adds `name=value` when a flag was given (lists joined with commas, as the
/// API takes them).
fn push(pairs: &mut Vec<(String, String)>, name: &str, value: Option<String>) {
    if let Some(value) = value {
        pairs.push((name.to_owned(), value));
    }
}

fn list(values: &[String]) -> Option<String> {
    (!values.is_empty()).then(|| values.join(","))
}

impl FilterArgs {
    fn pairs(&self, pairs: &mut Vec<(String, String)>) {
        push(pairs, "from", self.from.clone());
        push(pairs, "to", self.to.clone());
        push(pairs, "venue", list(&self.venue));
        push(pairs, "exploitation", list(&self.exploitation));
        push(pairs, "source", list(&self.source));
    }
}

impl LayerCommon {
    /// The flags as the API's query parameters.
    fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        self.filter.pairs(&mut pairs);
        for (name, value) in [
            ("res", &self.res),
            ("k", &self.k),
            ("kernel", &self.kernel),
            ("fdr", &self.fdr),
            ("weight", &self.weight),
            ("unit", &self.unit),
            ("step", &self.step),
            ("permutations", &self.permutations),
            ("seed", &self.seed),
            ("format", &self.format),
        ] {
            push(&mut pairs, name, value.clone());
        }
        push(&mut pairs, "district", list(&self.district));
        push(&mut pairs, "force", list(&self.force));
        push(&mut pairs, "bbox", list(&self.bbox));
        pairs
    }
}

fn output(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("{}: cannot create", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// Parses the parameters as the API does; an error names the flag.
fn parse(layer: Layer, pairs: &[(String, String)]) -> anyhow::Result<LayerRequest> {
    publish::parse(layer, pairs).map_err(|e| anyhow::anyhow!("--{}: {}", e.field, e.message))
}

fn existing_store(db: &Path) -> anyhow::Result<Store> {
    if !db.exists() {
        bail!(
            "{}: no such database (run `hotspots ingest` first)",
            db.display()
        );
    }
    open_store(db)
}

/// Renders a layer exactly as the API would and writes it out.
pub(super) fn export_layer(
    common: &LayerCommon,
    layer: Layer,
    extra: &[(&str, Option<String>)],
) -> anyhow::Result<ExitCode> {
    let mut pairs = common.pairs();
    for (name, value) in extra {
        push(&mut pairs, name, value.clone());
    }
    let mut request = parse(layer, &pairs)?;
    if let Some(path) = &common.area {
        if !common.district.is_empty() || !common.force.is_empty() || !common.bbox.is_empty() {
            bail!("--district, --force, --bbox and --area: give one study area, not several");
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--area {}: cannot read", path.display()))?;
        let polygons = publish::polygons_from_geojson(&text)
            .map_err(|e| anyhow::anyhow!("--area {}: {e}", path.display()))?;
        request.query.study_area = StudyAreaSpec::Polygons(polygons);
    }
    let zip = request.format == OutputFormat::Csv && is_zip(common.o.as_deref());
    request.download = zip;
    let store = existing_store(&common.db.db)?;
    let rendered = publish::render_view(&store, &request, OWNER)?;
    write_rendered(&rendered, common.o.as_deref(), request.format, zip)
}

/// The command line is the data's owner: every field, no release.
const OWNER: publish::View = publish::View {
    detail: publish::ReportDetail { notes: true },
    release: None,
};

fn is_zip(path: Option<&Path>) -> bool {
    path.and_then(Path::extension)
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Writes an answer; a CSV file that is not a zip gets its provenance in
/// `NAME.provenance.json` beside it.
fn write_rendered(
    rendered: &publish::Rendered,
    path: Option<&Path>,
    format: OutputFormat,
    zipped: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = output(path)?;
    out.write_all(&rendered.body)?;
    out.flush()?;
    if let (Some(path), OutputFormat::Csv, false, Some(provenance)) =
        (path, format, zipped, &rendered.provenance)
    {
        let sidecar = path.with_extension("provenance.json");
        std::fs::write(&sidecar, serde_json::to_string_pretty(provenance)? + "\n")
            .with_context(|| format!("{}: cannot write", sidecar.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `hotspots export reports --format parquet --partition KEYS DIR`: a
/// Hive-partitioned GeoParquet dataset, one file per partition.
pub(super) fn export_partitioned_reports(
    db: &Path,
    filter: &FilterArgs,
    format: Option<&str>,
    keys: &[String],
    dir: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    if format != Some("parquet") {
        bail!("--partition: datasets are GeoParquet; add --format parquet");
    }
    let Some(dir) = dir else {
        bail!("--partition: give the dataset's folder, e.g. `--partition h3_r5,year DIR`");
    };
    let mut pairs = Vec::new();
    filter.pairs(&mut pairs);
    let request = parse(Layer::Reports, &pairs)?;
    let store = existing_store(db)?;
    let geojson = publish::render_view(&store, &request, OWNER)?;
    let set = publish::FeatureSet::from_geojson(&geojson.body, &[])?;
    let files = publish::partitioned_geoparquet(&set, keys)?;
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!(
            "{}: the folder is not empty (a dataset is written into an empty folder)",
            dir.display()
        );
    }
    for (relative, bytes) in &files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        std::fs::write(&path, bytes)
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    eprintln!(
        "{} reports in {} files under {}",
        set.len(),
        files.len(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `hotspots export reports`: the filters and format parsed as the API's
/// reports layer, every field written (the command line is the data's owner).
pub(super) fn export_reports_command(
    db: &Path,
    filter: &FilterArgs,
    format: Option<String>,
    o: Option<&PathBuf>,
) -> anyhow::Result<ExitCode> {
    let mut pairs = Vec::new();
    filter.pairs(&mut pairs);
    push(&mut pairs, "format", format);
    let mut request = parse(Layer::Reports, &pairs)?;
    let store = existing_store(db)?;
    let o = o.map(PathBuf::as_path);
    if matches!(
        request.format,
        OutputFormat::GeoPackage | OutputFormat::GeoParquet
    ) || (request.format == OutputFormat::Csv && (is_zip(o) || o.is_some()))
    {
        // Whole-file formats and CSV with its provenance: as the API answers.
        let zip = is_zip(o);
        request.download = zip;
        let rendered = publish::render_view(&store, &request, OWNER)?;
        return write_rendered(&rendered, o, request.format, zip);
    }
    let format = if request.format == OutputFormat::Csv {
        OutFormat::Csv
    } else {
        OutFormat::Geojson
    };
    export_reports(&store, &request.query.filter, format, output(o)?)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the reports layer in the chosen format.
///
/// # Errors
/// On store or write failure.
pub fn export_reports(
    store: &Store,
    filter: &ReportFilter,
    format: OutFormat,
    out: impl Write,
) -> anyhow::Result<()> {
    crate::publish::write_reports(
        store,
        filter,
        format == OutFormat::Csv,
        crate::publish::ReportDetail { notes: true },
        out,
    )?;
    Ok(())
}

/// `hotspots export premises`: the repeat-premises list as the API answers it.
///
/// # Errors
/// A flag the API would refuse (named), or the store failing.
pub(super) fn export_premises(
    common: &LayerCommon,
    min_reports: Option<String>,
    sort: Option<String>,
) -> anyhow::Result<ExitCode> {
    let mut pairs = common.pairs();
    push(&mut pairs, "min_reports", min_reports);
    push(&mut pairs, "sort", sort);
    let request = crate::premises::parse_premises(&pairs)
        .map_err(|e| anyhow::anyhow!("--{}: {}", e.field.replace('_', "-"), e.message))?;
    let store = open_store(&common.db.db)?;
    let rows = crate::premises::repeat_premises(&store, &request.query)?;
    let mut request = request;
    let zip = request.format == crate::premises::PremisesFormat::Csv && is_zip(common.o.as_deref());
    request.download = zip;
    let rendered = crate::premises::premises_rendered(&rows, &request)?;
    let format = if request.format == crate::premises::PremisesFormat::Csv {
        OutputFormat::Csv
    } else {
        OutputFormat::GeoJson
    };
    write_rendered(&rendered, common.o.as_deref(), format, zip)
}
