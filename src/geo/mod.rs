//! Where a report is: geocoding to a WGS84 point with a method and a precision,
//! and the H3 cells that point falls in.
//!
//! No I/O: the gazetteer (postcodes, places, districts, the UK outline) is
//! compiled into the binary from `geodata/`.

mod direction;
mod geocode;
mod index;

pub use direction::{compass_point, NearestTown, COMPASS_POINTS};

pub use geocode::{
    bng_to_wgs84, haversine_m, Gazetteer, GeocodeError, Geocoded, Geocoder, GridRef,
    InvalidPostcode, Localities, LocationInput, OutwardCode, Place, Postcode, PostcodeUnit,
    TOWN_MIN_POPULATION, UK_OUTLINE_GEOJSON,
};
pub use index::{
    cells_for, finest_resolution, supports, Indexer, ReportCells, EDGE_FACTOR, RESOLUTIONS,
};
