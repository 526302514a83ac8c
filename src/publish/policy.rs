//! What each role may see: one policy in one place. `serve` asks it for every page,
//! API answer and download; nothing else decides. [`Role`] itself lives in
//! `model` (accounts are stored with it); the layer-specific rules are here, beside
//! the layers, the release and the renderer they govern.

use crate::model::Role;
use crate::publish::package;
use crate::publish::params::Layer;
use crate::publish::params::{LayerRequest, OutputFormat};
use crate::publish::release::{self, ReleaseRule};
use crate::publish::render::{self, RenderError, Rendered, ReportDetail};
use crate::store::Store;

/// What a role may see, as the renderer needs it (from [`Role::view`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    pub detail: ReportDetail,
    /// `Some` for roles that read the disclosure-controlled release only.
    pub release: Option<ReleaseRule>,
}

impl Role {
    /// May this role read this layer at all?
    pub fn may_read(self, layer: Layer) -> bool {
        match layer {
            Layer::Reports => self.sees_reports(),
            // Context is police.uk's open data: no role is kept from it.
            Layer::Cells | Layer::Hotspots | Layer::Emerging | Layer::Towns | Layer::Context => {
                true
            }
        }
    }

    /// Everything the renderer needs to know about this role.
    pub fn view(self, rule: ReleaseRule) -> View {
        View {
            detail: self.report_detail(),
            release: self.reads_release_only().then_some(rule),
        }
    }

    /// How much of each report the role may read.
    pub fn report_detail(self) -> ReportDetail {
        ReportDetail {
            notes: self.sees_notes(),
        }
    }
}

/// Renders one layer as a role may see it.
///
/// # Errors
/// As [`render::render`], and a filter the release does not answer.
pub fn render_view(
    store: &Store,
    request: &LayerRequest,
    view: View,
) -> Result<Rendered, RenderError> {
    match request.format {
        // Another layout of the GeoJSON answer the role may see.
        OutputFormat::GeoPackage | OutputFormat::GeoParquet => {
            let mut geojson = request.clone();
            geojson.format = OutputFormat::GeoJson;
            let answer = answer_for_role(store, &geojson, view)?;
            package::from_geojson(&answer, request.format, request.layer.as_str())
        }
        OutputFormat::Csv if request.download => {
            package::zipped_csv(&answer_for_role(store, request, view)?)
        }
        OutputFormat::GeoJson | OutputFormat::Csv | OutputFormat::Json => {
            answer_for_role(store, request, view)
        }
    }
}

fn answer_for_role(
    store: &Store,
    request: &LayerRequest,
    view: View,
) -> Result<Rendered, RenderError> {
    match view.release {
        // The release's disclosure control is proved for report counts.
        Some(_) if request.query.filter.unit != crate::model::Unit::Reports => {
            Err(RenderError::Layer(crate::publish::LayerError::Invalid {
                field: "unit",
                message: "the partnership release counts reports; unit is not available".into(),
            }))
        }
        Some(rule) => release::render_release(store, request, rule),
        None => render::render(store, request, view.detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_nest() {
        assert!(!Role::Partnership.may_read(Layer::Reports));
        assert!(Role::Partnership.may_read(Layer::Towns));
        assert!(Role::Analyst.may_read(Layer::Reports));
        assert!(!Role::Analyst.report_detail().notes);
        assert!(Role::Tactical.report_detail().notes);
        assert!(Role::Admin.report_detail().notes);
        assert_eq!("analyst".parse::<Role>(), Ok(Role::Analyst));
        assert!("root".parse::<Role>().is_err());
    }
}
