//! Server-rendered pages (maud): the map, the partnership towns page, the report
//! form, loads and uploads, sign-in, administration. No inline script or style: behaviour lives in
//! `web/*.js`.

pub(super) use admin::routes as admin_routes;
pub(super) use briefing::briefing_page;
pub(super) use form::report_form;
pub(super) use form::submit_report_form;
pub(super) use loads::{load_page, load_rejects_csv, loads_page, upload};
pub(super) use map::map_page;
pub(super) use pack::pack_page;
pub(super) use premises::{
    detach_report, merge_premises, outcomes_page, premises_detail, premises_page, submit_outcome,
};
pub(super) use public::{public_outline, public_report_page, submit_public_report};
pub(super) use signin::signin;
pub(super) use signin::signin_form;
pub(super) use signin::signout;
pub(super) use towns::towns_page;
pub(super) use triage::{accept_public_report, reject_public_report, triage_page};

mod admin;
mod briefing;
mod form;
mod labels;
mod loads;
mod map;
mod pack;
mod premises;
mod public;
mod signin;
mod towns;
mod triage;
