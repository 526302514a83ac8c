//! Mapbox Vector Tiles (MVT 2.1) cut from a layer's GeoJSON answer, for the map
//! page. No I/O and no HTTP: `serve` hands over the bytes the layer endpoint
//! answers for the viewer's role and asks for tiles of them.
//!
//! Why tiles: a 20k-hexagon layer is 6.6 MB of GeoJSON. Drawn from GeoJSON, the
//! browser parses it, copies it between threads twice and cuts it into tiles
//! itself (geojson-vt) before it can draw anything; from tiles, MapLibre's worker
//! fetches a few small tiles and only builds their buffers.
//!
//! The invariant: a tile holds exactly the features of the role's GeoJSON
//! answer whose bounding box meets the tile (plus [`BUFFER`]), with the same
//! properties (a `null` property is left out: MVT has no null), at every zoom
//! where they can be drawn. Since tiles are made from that answer, they can
//! show nothing the answer does not: the disclosure policy stays in one place
//! (`render`, `release`). Report points are the exception: `render::report_tile`
//! cuts them from the store through [`TileIndex::from_positions`] and
//! [`TileIndex::from_points`], with the reports layer's own property list.
//!
//! **Every extent.** Where a layer's hexagons would be narrower than
//! [`MIN_HEXAGON_UNITS`] tile units (a national view of res-8 cells), they are
//! not dropped but aggregated to the finest coarser H3 resolution that can be
//! drawn ([`zoom_resolution`]): one hexagon per parent cell with `h3`, `res`,
//! `features` (cells in it), `count` (their sum; left out when a count in it is
//! withheld), `bin` (the most significant: hot before cold), `category` (the
//! most common other than `none`), `suppressed` and `aggregated: true`. Points
//! (reports, premises) are aggregated the same way, to a point at the cell's
//! centre, when a tile of them would pass [`MAX_TILE_BYTES`]; hexagons
//! aggregate further for the same reason. An area (hotspot) too small to draw
//! at a zoom is drawn as a point at its centre. Aggregates add up only what the
//! answer published, so they reveal nothing it withheld.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

/// Tile coordinates per side (MVT's usual extent).
pub const EXTENT: u32 = 4096;
/// Tile units drawn beyond each edge: clipped edges of a feature stay out of sight.
pub const BUFFER: u32 = 64;
/// The deepest zoom served; MapLibre over-zooms beyond the source's `maxzoom`.
pub const MAX_ZOOM: u8 = 16;
/// The narrowest hexagon drawn, in tile units (a tile is drawn 512 px wide:
/// 24 units are 3 px). Narrower ones are aggregated to a parent resolution.
pub const MIN_HEXAGON_UNITS: f64 = 24.0;
/// The largest tile served; a tile that would be larger is aggregated further.
pub const MAX_TILE_BYTES: usize = 500 * 1024;
/// The latitude the zoom-to-resolution rule is worked out at (the middle of
/// Great Britain): Web Mercator stretches hexagons further north, so they are
/// a little wider there than the rule assumes.
const RULE_LATITUDE: f64 = 54.0;

/// The finest H3 resolution whose mean hexagon is at least
/// [`MIN_HEXAGON_UNITS`] wide at zoom `z`.
pub fn zoom_resolution(z: u8) -> u8 {
    let tile_m = 40_075_016.686 * RULE_LATITUDE.to_radians().cos() / f64::from(1u32 << z);
    let min_edge_m = MIN_HEXAGON_UNITS * tile_m / f64::from(EXTENT) / 2.0;
    (0..=15u8)
        .rev()
        .find(|r| h3o::Resolution::try_from(*r).is_ok_and(|r| r.edge_length_m() >= min_edge_m))
        .unwrap_or(0)
}

#[derive(Debug, thiserror::Error)]
pub enum TileError {
    #[error("the layer is not a GeoJSON FeatureCollection of polygons: {0}")]
    NotPolygons(#[from] serde_json::Error),
    #[error("tile {z}/{x}/{y} does not exist (zoom 0..={MAX_ZOOM}, x and y below 2^zoom)")]
    NoSuchTile { z: u8, x: u32, y: u32 },
}

/// Whether `z/x/y` is a tile of the pyramid served (zoom 0..=[`MAX_ZOOM`]).
pub fn exists(z: u8, x: u32, y: u32) -> bool {
    z <= MAX_ZOOM && x < 1 << z && y < 1 << z
}

/// A property value as MVT stores it. Values are shared by features, so they
/// are compared and hashed as stored: doubles by their bits.
#[derive(Clone, Debug)]
enum TileValue {
    Text(String),
    Double(f64),
    Int(i64),
    Bool(bool),
}

impl PartialEq for TileValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Text(a), Self::Text(b)) => a == b,
            (Self::Double(a), Self::Double(b)) => a.to_bits() == b.to_bits(),
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Bool(a), Self::Bool(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for TileValue {}

impl std::hash::Hash for TileValue {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Self::Text(s) => s.hash(state),
            Self::Double(d) => d.to_bits().hash(state),
            Self::Int(i) => i.hash(state),
            Self::Bool(b) => b.hash(state),
        }
    }
}

impl TileValue {
    /// JSON to MVT: integers stay integers, other numbers are doubles, objects
    /// and arrays become their JSON text; `null` has no MVT value.
    fn from_json(value: &Value) -> Option<Self> {
        Some(match value {
            Value::Null => return None,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Self::Int(i),
                None => Self::Double(n.as_f64()?),
            },
            Value::String(s) => Self::Text(s.clone()),
            Value::Array(_) | Value::Object(_) => Self::Text(value.to_string()),
        })
    }
}

/// One feature: its polygons (or its point) in the Web Mercator unit square
/// (x east, y south, both 0..1), their bounding box, and its properties as
/// (key, value) indices.
struct IndexedFeature {
    bbox: [f64; 4],
    polygons: Vec<Vec<Vec<[f64; 2]>>>,
    point: Option<[f64; 2]>,
    tags: Vec<u32>,
}

/// What aggregating a feature into a parent cell needs of it.
#[derive(Clone, Debug, Default)]
struct Summary {
    /// Its H3 cell (hexagon layers) or its position (points), for the parent.
    cell: Option<h3o::CellIndex>,
    lon_lat: Option<[f64; 2]>,
    count: Option<i64>,
    bin: Option<i64>,
    category: Option<String>,
    suppressed: bool,
}

/// What a layer's features are, which decides how they aggregate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// H3 cells at one resolution (cells, emerging, context).
    Hexagons(u8),
    /// Points (reports, premises, towns).
    Points,
    /// Other polygons (hotspot areas): never aggregated.
    Areas,
}

/// The features of one parent cell, as they aggregate.
#[derive(Default)]
struct Group {
    features: i64,
    count: Option<i64>,
    bin: i64,
    categories: HashMap<String, u32>,
    suppressed: bool,
}

/// A layer ready to be cut into tiles.
pub struct TileIndex {
    name: String,
    keys: Vec<String>,
    values: Vec<TileValue>,
    features: Vec<IndexedFeature>,
    summaries: Vec<Summary>,
    shape: Shape,
    /// For an index of positions only ([`TileIndex::from_positions`]): the
    /// bytes a point would take in a tile with its properties.
    point_bytes: Option<usize>,
    /// Points by the [`GRID_ZOOM`] tile they fall in (point layers only).
    grid: Option<PointGrid>,
    /// Point tiles aggregated from the points near them, once each (at most
    /// [`KEPT_AGGREGATED_TILES`]): the index is of one query and data version.
    aggregated: std::sync::Mutex<HashMap<(u8, u32, u32), Cut>>,
    /// The layer aggregated to each coarser resolution, made when first asked.
    coarser: [std::sync::OnceLock<Box<TileIndex>>; 16],
}

#[derive(Deserialize)]
struct Collection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    geometry: Option<Geometry>,
    #[serde(default)]
    properties: Option<serde_json::Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Geometry {
    Point {
        coordinates: Vec<f64>,
    },
    Polygon {
        coordinates: Vec<Vec<Vec<f64>>>,
    },
    MultiPolygon {
        coordinates: Vec<Vec<Vec<Vec<f64>>>>,
    },
}

/// A GeoJSON polygon's rings of positions.
type GeoJsonPolygon = Vec<Vec<Vec<f64>>>;

/// Longitude, latitude to the Web Mercator unit square.
fn mercator(position: &[f64]) -> [f64; 2] {
    let lon = position.first().copied().unwrap_or_default();
    let lat = position
        .get(1)
        .copied()
        .unwrap_or_default()
        .clamp(-85.051_128_78, 85.051_128_78);
    let x = (lon + 180.0) / 360.0;
    let y = (1.0
        - (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
            .tan()
            .ln()
            / std::f64::consts::PI)
        / 2.0;
    [x, y]
}

impl TileIndex {
    /// Indexes a GeoJSON FeatureCollection of Polygons and MultiPolygons (other
    /// geometries and features without one are left out) as the tile layer `name`.
    ///
    /// # Errors
    /// The bytes are not such a collection.
    pub fn from_geojson(name: &str, geojson: &[u8]) -> Result<Self, TileError> {
        let collection: Collection = serde_json::from_slice(geojson)?;
        Ok(Self::from_features(name, collection.features))
    }

    /// Indexes points, each `[lon, lat]` with its properties, as the tile
    /// layer `name` (as [`TileIndex::from_geojson`] would index them as
    /// GeoJSON Points, without writing and parsing the GeoJSON).
    pub fn from_points(
        name: &str,
        points: impl IntoIterator<Item = ([f64; 2], serde_json::Map<String, Value>)>,
    ) -> Self {
        let features = points
            .into_iter()
            .map(|([lon, lat], properties)| Feature {
                geometry: Some(Geometry::Point {
                    coordinates: vec![lon, lat],
                }),
                properties: Some(properties),
            })
            .collect();
        Self::from_features(name, features)
    }

    /// Positions only, `[lon, lat]`: enough to aggregate them, and to say
    /// when a tile of them (each `point_bytes` with its properties) is small
    /// enough to cut from the points themselves ([`TileIndex::aggregated_tile`]).
    /// A layer of millions of points is held this way rather than whole.
    pub fn from_positions(name: &str, positions: &[[f64; 2]], point_bytes: usize) -> Self {
        let mut index =
            Self::from_points(name, positions.iter().map(|p| (*p, serde_json::Map::new())));
        index.shape = Shape::Points;
        index.point_bytes = Some(point_bytes);
        index
    }

    /// Tile `z/x/y` of an index of positions when it must be aggregated (a
    /// tile of the points themselves would pass [`MAX_TILE_BYTES`]); `None`
    /// when the points should be cut with their properties, from those within
    /// [`tile_bounds`].
    ///
    /// # Errors
    /// A tile outside the pyramid.
    pub fn aggregated_tile(
        &self,
        z: u8,
        x: u32,
        y: u32,
    ) -> Result<Option<(Vec<u8>, usize)>, TileError> {
        if !exists(z, x, y) {
            return Err(TileError::NoSuchTile { z, x, y });
        }
        if self.estimated_bytes(z, x, y) <= MAX_TILE_BYTES {
            return Ok(None);
        }
        Ok(Some(self.aggregated_points(z, x, y, zoom_resolution(z))))
    }

    fn from_features(name: &str, input: Vec<Feature>) -> Self {
        let collection = Collection { features: input };
        let mut keys: Vec<String> = Vec::new();
        let mut key_ids: HashMap<String, u32> = HashMap::new();
        let mut values: Vec<TileValue> = Vec::new();
        let mut value_ids: HashMap<TileValue, u32> = HashMap::new();
        let mut features = Vec::with_capacity(collection.features.len());
        let mut summaries = Vec::with_capacity(collection.features.len());
        let (mut points, mut resolutions) = (0_usize, std::collections::BTreeSet::new());
        for feature in collection.features {
            let (polygons, point): (Vec<GeoJsonPolygon>, Option<[f64; 2]>) = match feature.geometry
            {
                Some(Geometry::Point { coordinates }) if coordinates.len() >= 2 => {
                    (Vec::new(), Some(mercator(&coordinates)))
                }
                Some(Geometry::Polygon { coordinates }) => (vec![coordinates], None),
                Some(Geometry::MultiPolygon { coordinates }) => (coordinates, None),
                Some(Geometry::Point { .. }) | None => continue,
            };
            let polygons: Vec<Vec<Vec<[f64; 2]>>> = polygons
                .into_iter()
                .map(|rings| {
                    rings
                        .into_iter()
                        .map(|ring| ring.iter().map(|p| mercator(p)).collect())
                        .collect()
                })
                .collect();
            let mut bbox = [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ];
            for [x, y] in polygons.iter().flatten().flatten().chain(point.iter()) {
                bbox = [
                    bbox[0].min(*x),
                    bbox[1].min(*y),
                    bbox[2].max(*x),
                    bbox[3].max(*y),
                ];
            }
            if !bbox[0].is_finite() {
                continue;
            }
            let properties = feature.properties.unwrap_or_default();
            let mut summary = summarise(&properties);
            if let Some(p) = point {
                points += 1;
                let [lon, lat] = lon_lat(p);
                summary.lon_lat = Some([lon, lat]);
                // Indexed once, finely: every coarser cell is then its parent.
                summary.cell = h3o::LatLng::new(lat, lon)
                    .ok()
                    .map(|p| p.to_cell(h3o::Resolution::Twelve));
            }
            match summary.cell {
                Some(cell) if point.is_none() => {
                    resolutions.insert(u8::from(cell.resolution()));
                }
                _ => {
                    resolutions.insert(u8::MAX);
                }
            }
            let mut tags = Vec::new();
            for (key, value) in properties {
                let Some(value) = TileValue::from_json(&value) else {
                    continue;
                };
                let next = keys.len() as u32;
                let key_id = *key_ids.entry(key.clone()).or_insert_with(|| {
                    keys.push(key);
                    next
                });
                let next = values.len() as u32;
                let value_id = *value_ids.entry(value).or_insert_with_key(|value| {
                    values.push(value.clone());
                    next
                });
                tags.extend([key_id, value_id]);
            }
            features.push(IndexedFeature {
                bbox,
                polygons,
                point,
                tags,
            });
            summaries.push(summary);
        }
        let shape = match (points, resolutions.len(), resolutions.first()) {
            (0, 1, Some(&res)) if res <= 15 => Shape::Hexagons(res),
            (n, _, _) if n > 0 && n == features.len() => Shape::Points,
            _ => Shape::Areas,
        };
        let grid = (shape == Shape::Points).then(|| PointGrid::new(&features));
        Self {
            name: name.to_owned(),
            keys,
            values,
            features,
            summaries,
            shape,
            point_bytes: None,
            grid,
            aggregated: std::sync::Mutex::default(),
            coarser: Default::default(),
        }
    }

    /// The layer aggregated to resolution `res` (made once, then kept).
    fn coarser(&self, res: u8) -> &Self {
        self.coarser[usize::from(res.min(15))].get_or_init(|| Box::new(self.aggregate(res)))
    }

    /// One feature per parent cell at `res` (see the module comment).
    fn aggregate(&self, res: u8) -> Self {
        self.aggregate_of(res, 0..self.summaries.len())
    }

    /// The aggregate at `res` of the points near tile `z/x/y` only: every
    /// point within a quarter tile of it, so each cell whose centre meets the
    /// tile has all its points (cells drawn at a zoom are far narrower than a
    /// quarter tile). What a fine resolution over millions of points needs,
    /// where the whole layer's aggregate would be millions of cells.
    fn aggregate_near(&self, res: u8, z: u8, x: u32, y: u32) -> Self {
        let Some(grid) = &self.grid else {
            return self.aggregate(res);
        };
        let scale = f64::from(1u32 << z);
        let margin = 0.25 / scale;
        let bounds = [
            f64::from(x) / scale - margin,
            f64::from(y) / scale - margin,
            f64::from(x + 1) / scale + margin,
            f64::from(y + 1) / scale + margin,
        ];
        let near = grid.near(bounds).filter(|&i| {
            let [px, py] = self.features[i].point.unwrap_or([f64::NAN, f64::NAN]);
            px >= bounds[0] && px <= bounds[2] && py >= bounds[1] && py <= bounds[3]
        });
        self.aggregate_of(res, near.collect::<Vec<_>>().into_iter())
    }

    /// One feature per parent cell at `res` of the features `which`.
    fn aggregate_of(&self, res: u8, which: impl Iterator<Item = usize>) -> Self {
        let Ok(resolution) = h3o::Resolution::try_from(res) else {
            return Self::from_geojson(&self.name, b"{\"features\": []}")
                .unwrap_or_else(|_| unreachable!("an empty collection parses"));
        };
        let mut groups: std::collections::BTreeMap<h3o::CellIndex, Group> =
            std::collections::BTreeMap::new();
        for summary in which.map(|i| &self.summaries[i]) {
            let parent = match (summary.cell, summary.lon_lat) {
                (Some(cell), _) if cell.resolution() >= resolution => cell.parent(resolution),
                (_, Some([lon, lat])) => h3o::LatLng::new(lat, lon)
                    .ok()
                    .map(|p| p.to_cell(resolution)),
                (Some(cell), None) => cell.parent(resolution),
                (None, None) => None,
            };
            let Some(parent) = parent else { continue };
            let group = groups.entry(parent).or_insert_with(|| Group {
                count: Some(0),
                ..Group::default()
            });
            group.features += 1;
            // A point counts itself; a cell its `count`; a withheld count
            // leaves the sum out rather than publish a partial one.
            let own = if summary.lon_lat.is_some() {
                Some(1)
            } else {
                summary.count
            };
            group.count = match (group.count, own) {
                (Some(a), Some(b)) if !summary.suppressed => Some(a + b),
                _ => None,
            };
            if let Some(bin) = summary.bin {
                let hotter = bin > group.bin.max(0);
                let colder = group.bin <= 0 && bin < group.bin;
                if hotter || colder {
                    group.bin = bin;
                }
            }
            if let Some(category) = summary.category.as_ref().filter(|c| *c != "none") {
                *group.categories.entry(category.clone()).or_default() += 1;
            }
            group.suppressed |= summary.suppressed;
        }
        let has_bin = self.summaries.iter().any(|s| s.bin.is_some());
        let has_category = self.summaries.iter().any(|s| s.category.is_some());
        let features: Vec<Value> = groups
            .into_iter()
            .map(|(cell, g)| {
                let mut properties = serde_json::json!({
                    "h3": cell.to_string(),
                    "res": res,
                    "features": g.features,
                    "count": g.count,
                    "aggregated": true,
                });
                if has_bin {
                    properties["bin"] = g.bin.into();
                }
                if has_category {
                    let mode = g
                        .categories
                        .iter()
                        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                        .map_or("none", |(c, _)| c.as_str());
                    properties["category"] = mode.into();
                }
                if g.suppressed {
                    properties["suppressed"] = true.into();
                }
                let geometry = if self.shape == Shape::Points {
                    let centre = h3o::LatLng::from(cell);
                    serde_json::json!({"type": "Point", "coordinates": [centre.lng(), centre.lat()]})
                } else {
                    let mut ring: Vec<[f64; 2]> = cell
                        .boundary()
                        .iter()
                        .map(|p| [p.lng(), p.lat()])
                        .collect();
                    if let Some(first) = ring.first().copied() {
                        ring.push(first);
                    }
                    serde_json::json!({"type": "Polygon", "coordinates": [ring]})
                };
                serde_json::json!({"type": "Feature", "geometry": geometry, "properties": properties})
            })
            .collect();
        let bytes =
            serde_json::to_vec(&serde_json::json!({"features": features})).unwrap_or_default();
        let mut index = Self::from_geojson(&self.name, &bytes)
            .unwrap_or_else(|_| unreachable!("the aggregate is a FeatureCollection"));
        // Aggregated points stay points; aggregated cells are hexagons at `res`.
        index.shape = if self.shape == Shape::Points {
            Shape::Points
        } else {
            Shape::Hexagons(res)
        };
        index
    }

    /// The tile `z/x/y` as MVT bytes (empty when nothing meets it) and the
    /// number of features in it: the layer's own features where they can be
    /// drawn, else aggregated (see the module comment); never more than
    /// [`MAX_TILE_BYTES`] while a coarser aggregate exists.
    ///
    /// # Errors
    /// A tile outside the pyramid.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<(Vec<u8>, usize), TileError> {
        if !exists(z, x, y) {
            return Err(TileError::NoSuchTile { z, x, y });
        }
        let drawable = zoom_resolution(z);
        let (mut index, mut res) = match self.shape {
            Shape::Hexagons(own) if drawable < own => (self.coarser(drawable), drawable),
            Shape::Hexagons(own) => (self, own),
            // Points aggregate only when a tile of them is too large.
            Shape::Points => return Ok(self.point_tile(z, x, y, drawable)),
            Shape::Areas => (self, 0),
        };
        let mut out = index.cut(z, x, y);
        while out.0.len() > MAX_TILE_BYTES && self.shape != Shape::Areas && res > 0 {
            res -= 1;
            index = self.coarser(res);
            out = index.cut(z, x, y);
        }
        Ok(out)
    }

    /// A tile of points: the points themselves when they fit, else their
    /// aggregate at `drawable` (coarser while it does not fit). Points too
    /// many for one tile go straight to their aggregate, without cutting (and
    /// throwing away) a tile of all of them first. Fine resolutions aggregate
    /// the points near the tile only ([`TileIndex::aggregate_near`]); coarse
    /// ones the whole layer, once, kept.
    fn point_tile(&self, z: u8, x: u32, y: u32, drawable: u8) -> (Vec<u8>, usize) {
        if self.estimated_bytes(z, x, y) <= MAX_TILE_BYTES {
            let out = self.cut(z, x, y);
            if out.0.len() <= MAX_TILE_BYTES {
                return out;
            }
        }
        self.aggregated_points(z, x, y, drawable)
    }

    /// A tile of points aggregated at `drawable`, coarser while it does not
    /// fit; kept once made.
    fn aggregated_points(&self, z: u8, x: u32, y: u32, drawable: u8) -> (Vec<u8>, usize) {
        let kept = self
            .aggregated
            .lock()
            .ok()
            .and_then(|m| m.get(&(z, x, y)).cloned());
        if let Some(out) = kept {
            return out;
        }
        let mut res = drawable;
        loop {
            let out = if res >= LOCAL_AGGREGATE_FROM {
                self.aggregate_near(res, z, x, y).cut(z, x, y)
            } else {
                self.coarser(res).cut(z, x, y)
            };
            if out.0.len() <= MAX_TILE_BYTES || res == 0 {
                if let Ok(mut kept) = self.aggregated.lock() {
                    if kept.len() < KEPT_AGGREGATED_TILES {
                        kept.insert((z, x, y), out.clone());
                    }
                }
                return out;
            }
            res -= 1;
        }
    }

    /// A generous guess at the size of tile `z/x/y` cut as it is: the
    /// features meeting it times their mean tags, plus a point's geometry.
    fn estimated_bytes(&self, z: u8, x: u32, y: u32) -> usize {
        let meets = meets_tile(z, x, y);
        let meeting = match &self.grid {
            Some(grid) => {
                let scale = f64::from(1u32 << z);
                let margin = f64::from(BUFFER) / f64::from(EXTENT) / scale;
                let bounds = [
                    f64::from(x) / scale - margin,
                    f64::from(y) / scale - margin,
                    f64::from(x + 1) / scale + margin,
                    f64::from(y + 1) / scale + margin,
                ];
                if z < GRID_ZOOM {
                    // Points in the grid tiles the tile meets: a slight
                    // overcount at its edges, without visiting the points
                    // of a national layer.
                    grid.count(bounds)
                } else {
                    // A tile within a grid tile or two: its points, exactly.
                    grid.near(bounds)
                        .filter(|&i| meets(self.features[i].bbox))
                        .count()
                }
            }
            None => self.features.iter().filter(|f| meets(f.bbox)).count(),
        };
        if let Some(bytes) = self.point_bytes {
            return meeting * bytes;
        }
        let tags: usize = self.features.iter().map(|f| f.tags.len()).sum();
        let per_feature = tags / self.features.len().max(1) + 8;
        meeting * per_feature
    }

    /// The features meeting tile `z/x/y`, as they are.
    fn cut(&self, z: u8, x: u32, y: u32) -> (Vec<u8>, usize) {
        let scale = f64::from(1u32 << z);
        let meets = meets_tile(z, x, y);
        let to_tile = |[ux, uy]: [f64; 2]| -> [i64; 2] {
            let extent = f64::from(EXTENT);
            [
                ((ux * scale - f64::from(x)) * extent).round() as i64,
                ((uy * scale - f64::from(y)) * extent).round() as i64,
            ]
        };

        let mut key_map = vec![u32::MAX; self.keys.len()];
        let mut value_map: HashMap<u32, u32> = HashMap::new();
        let (mut keys_used, mut values_used) = (Vec::new(), Vec::new());
        let mut features = Vec::new();
        for feature in self.features.iter().filter(|f| meets(f.bbox)) {
            let (kind, geometry) = match feature.point {
                Some(p) => (1, encode_point(to_tile(p))),
                None => match encode_polygons(&feature.polygons, &to_tile) {
                    // Too small to draw at this zoom: a point where it is,
                    // so no feature disappears from the map.
                    empty if empty.is_empty() => (
                        1,
                        encode_point(to_tile([
                            f64::midpoint(feature.bbox[0], feature.bbox[2]),
                            f64::midpoint(feature.bbox[1], feature.bbox[3]),
                        ])),
                    ),
                    rings => (3, rings),
                },
            };
            let mut tags = Vec::with_capacity(feature.tags.len());
            for pair in feature.tags.chunks_exact(2) {
                let (k, v) = (pair[0] as usize, pair[1]);
                if key_map[k] == u32::MAX {
                    key_map[k] = keys_used.len() as u32;
                    keys_used.push(k);
                }
                let next = values_used.len() as u32;
                let value = *value_map.entry(v).or_insert_with(|| {
                    values_used.push(v as usize);
                    next
                });
                tags.extend([key_map[k], value]);
            }
            let mut message = Vec::with_capacity(geometry.len() * 2 + tags.len() * 2 + 8);
            packed(&mut message, 2, &tags);
            field_varint(&mut message, 3, kind); // GeomType POINT (1) or POLYGON (3)
            packed(&mut message, 4, &geometry);
            features.push(message);
        }
        let mut layer = Vec::new();
        field_varint(&mut layer, 15, 2); // version
        field_bytes(&mut layer, 1, self.name.as_bytes());
        for f in &features {
            field_bytes(&mut layer, 2, f);
        }
        for k in keys_used {
            field_bytes(&mut layer, 3, self.keys[k].as_bytes());
        }
        for v in values_used {
            let mut value = Vec::new();
            match &self.values[v] {
                TileValue::Text(s) => field_bytes(&mut value, 1, s.as_bytes()),
                TileValue::Double(d) => {
                    tag(&mut value, 3, 1);
                    value.extend_from_slice(&d.to_le_bytes());
                }
                TileValue::Int(i) => field_varint(&mut value, 6, zigzag(*i)),
                TileValue::Bool(b) => field_varint(&mut value, 7, u64::from(*b)),
            }
            field_bytes(&mut layer, 4, &value);
        }
        field_varint(&mut layer, 5, u64::from(EXTENT));
        let mut tile = Vec::with_capacity(layer.len() + 8);
        if !features.is_empty() {
            field_bytes(&mut tile, 3, &layer);
        }
        (tile, features.len())
    }
}

/// MVT geometry commands for polygons: each ring a MoveTo, a LineTo of the
/// rest and a ClosePath, with the cursor carried from ring to ring. Rings that
/// collapse to no area in tile units are left out (a polygon whose exterior
/// collapses goes with its holes). Exterior rings are written with positive
/// area in tile coordinates (clockwise on screen, y down), holes negative, as
/// the MVT 2.1 specification asks.
fn encode_polygons(
    polygons: &[Vec<Vec<[f64; 2]>>],
    to_tile: &impl Fn([f64; 2]) -> [i64; 2],
) -> Vec<u64> {
    let mut out = Vec::new();
    let mut cursor = [0i64, 0i64];
    for polygon in polygons {
        for (i, ring) in polygon.iter().enumerate() {
            let mut points: Vec<[i64; 2]> = Vec::with_capacity(ring.len());
            for p in ring {
                let q = to_tile(*p);
                if points.last() != Some(&q) {
                    points.push(q);
                }
            }
            while points.len() > 1 && points.first() == points.last() {
                points.pop();
            }
            let area2: i64 = (0..points.len())
                .map(|j| {
                    let (a, b) = (points[j], points[(j + 1) % points.len()]);
                    a[0] * b[1] - b[0] * a[1]
                })
                .sum();
            if points.len() < 3 || area2 == 0 {
                if i == 0 {
                    break; // no exterior: no polygon
                }
                continue;
            }
            let exterior = i == 0;
            if (area2 > 0) != exterior {
                points.reverse();
            }
            out.push(command(1, 1));
            push_delta(&mut out, &mut cursor, points[0]);
            out.push(command(2, points.len() as u32 - 1));
            for p in &points[1..] {
                push_delta(&mut out, &mut cursor, *p);
            }
            out.push(command(7, 1));
        }
    }
    out
}

/// A cut tile: its MVT bytes and how many features it holds.
type Cut = (Vec<u8>, usize);

/// Aggregated point tiles kept by an index (a few MB at most).
const KEPT_AGGREGATED_TILES: usize = 256;
/// The zoom of the grid that finds a point layer's points near a tile.
const GRID_ZOOM: u8 = 10;
/// From this H3 resolution a point tile's aggregate is made of the points
/// near the tile, not the whole layer (which would be a cell per report).
const LOCAL_AGGREGATE_FROM: u8 = 8;

/// Points by the [`GRID_ZOOM`] tile they fall in: which points are near a
/// tile, and how many, without visiting every point.
struct PointGrid {
    cells: HashMap<(u32, u32), Vec<u32>>,
}

impl PointGrid {
    const SIDE: u32 = 1 << GRID_ZOOM;

    fn key([x, y]: [f64; 2]) -> (u32, u32) {
        let side = f64::from(Self::SIDE);
        let clamp = |v: f64| ((v * side).floor().max(0.0) as u32).min(Self::SIDE - 1);
        (clamp(x), clamp(y))
    }

    fn new(features: &[IndexedFeature]) -> Self {
        let mut cells: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        for (i, f) in features.iter().enumerate() {
            if let Some(p) = f.point {
                cells.entry(Self::key(p)).or_default().push(i as u32);
            }
        }
        Self { cells }
    }

    /// The grid cells meeting `[x0, y0, x1, y1]` (unit square).
    fn meeting(&self, [x0, y0, x1, y1]: [f64; 4]) -> impl Iterator<Item = &Vec<u32>> {
        let (a, b) = (Self::key([x0, y0]), Self::key([x1, y1]));
        let wide = u64::from(b.0 - a.0 + 1) * u64::from(b.1 - a.1 + 1);
        // A wide view: walking the occupied cells beats walking the range.
        let cells: Vec<&Vec<u32>> = if wide as usize > self.cells.len() {
            self.cells
                .iter()
                .filter(|((cx, cy), _)| (a.0..=b.0).contains(cx) && (a.1..=b.1).contains(cy))
                .map(|(_, v)| v)
                .collect()
        } else {
            (a.0..=b.0)
                .flat_map(|cx| (a.1..=b.1).map(move |cy| (cx, cy)))
                .filter_map(|k| self.cells.get(&k))
                .collect()
        };
        cells.into_iter()
    }

    fn count(&self, bounds: [f64; 4]) -> usize {
        self.meeting(bounds).map(Vec::len).sum()
    }

    fn near(&self, bounds: [f64; 4]) -> impl Iterator<Item = usize> + '_ {
        self.meeting(bounds).flatten().map(|&i| i as usize)
    }
}

/// Tile `z/x/y` widened by [`BUFFER`], as `[min_lon, min_lat, max_lon,
/// max_lat]`: a point meets the tile exactly when it lies within these.
#[must_use]
pub fn tile_bounds(z: u8, x: u32, y: u32) -> [f64; 4] {
    let scale = f64::from(1u32 << z);
    let margin = f64::from(BUFFER) / f64::from(EXTENT) / scale;
    let (left, top) = (f64::from(x) / scale - margin, f64::from(y) / scale - margin);
    let (right, bottom) = (
        f64::from(x + 1) / scale + margin,
        f64::from(y + 1) / scale + margin,
    );
    let [min_lon, min_lat] = lon_lat([left, bottom.min(1.0)]);
    let [max_lon, max_lat] = lon_lat([right, top.max(0.0)]);
    [min_lon, min_lat, max_lon, max_lat]
}

/// Whether a bounding box (Web Mercator unit square) meets tile `z/x/y`
/// widened by [`BUFFER`].
fn meets_tile(z: u8, x: u32, y: u32) -> impl Fn([f64; 4]) -> bool {
    let scale = f64::from(1u32 << z);
    let margin = f64::from(BUFFER) / f64::from(EXTENT) / scale;
    let (left, top) = (f64::from(x) / scale, f64::from(y) / scale);
    let (right, bottom) = (left + 1.0 / scale, top + 1.0 / scale);
    move |[x0, y0, x1, y1]| {
        !(x1 < left - margin || x0 > right + margin || y1 < top - margin || y0 > bottom + margin)
    }
}

/// MVT geometry commands for one point.
fn encode_point(p: [i64; 2]) -> Vec<u64> {
    let mut out = vec![command(1, 1)];
    push_delta(&mut out, &mut [0, 0], p);
    out
}

/// Web Mercator unit square back to longitude, latitude.
fn lon_lat([x, y]: [f64; 2]) -> [f64; 2] {
    let lon = x * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * y))
        .sinh()
        .atan()
        .to_degrees();
    [lon, lat]
}

/// What aggregation needs of a feature's properties: its `h3` cell, `count`,
/// `bin`, `category` and whether a count of it is withheld.
fn summarise(properties: &serde_json::Map<String, Value>) -> Summary {
    Summary {
        cell: properties
            .get("h3")
            .and_then(Value::as_str)
            .and_then(|h| h.parse().ok()),
        lon_lat: None,
        count: properties.get("count").and_then(Value::as_i64),
        bin: properties.get("bin").and_then(Value::as_i64),
        category: properties
            .get("category")
            .and_then(Value::as_str)
            .map(str::to_owned),
        suppressed: properties
            .get("suppressed")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            || properties.get("count").is_some_and(Value::is_null),
    }
}

fn command(id: u32, count: u32) -> u64 {
    u64::from((id & 0x7) | (count << 3))
}

fn push_delta(out: &mut Vec<u64>, cursor: &mut [i64; 2], p: [i64; 2]) {
    out.push(zigzag(p[0] - cursor[0]));
    out.push(zigzag(p[1] - cursor[1]));
    *cursor = p;
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn tag(out: &mut Vec<u8>, field: u32, wire_type: u32) {
    varint(out, u64::from((field << 3) | wire_type));
}

fn field_varint(out: &mut Vec<u8>, field: u32, n: u64) {
    tag(out, field, 0);
    varint(out, n);
}

fn field_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    tag(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn packed<T: Copy + Into<u64>>(out: &mut Vec<u8>, field: u32, items: &[T]) {
    let mut body = Vec::with_capacity(items.len() * 2);
    for item in items {
        varint(&mut body, (*item).into());
    }
    field_bytes(out, field, &body);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A square around (lon, lat), `half` degrees each side, as a one-feature
    /// collection; `clockwise` winds its ring against RFC 7946.
    fn square(lon: f64, lat: f64, half: f64, clockwise: bool) -> Vec<u8> {
        let mut ring = vec![
            [lon - half, lat - half],
            [lon + half, lat - half],
            [lon + half, lat + half],
            [lon - half, lat + half],
            [lon - half, lat - half],
        ];
        if clockwise {
            ring.reverse();
        }
        serde_json::json!({"type": "FeatureCollection", "features": [{
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"h3": "x", "count": 3, "z": 1.5, "hot": true, "gone": null}
        }]})
        .to_string()
        .into_bytes()
    }

    /// The rings of a geometry command stream, in tile units.
    fn rings(commands: &[u64]) -> Vec<Vec<[i64; 2]>> {
        let unzig = |n: u64| ((n >> 1) as i64) ^ -((n & 1) as i64);
        let (mut out, mut cursor, mut i) = (Vec::new(), [0i64, 0i64], 0);
        let mut ring = Vec::new();
        while i < commands.len() {
            let (id, count) = (commands[i] & 7, (commands[i] >> 3) as usize);
            i += 1;
            if id == 7 {
                out.push(std::mem::take(&mut ring));
                continue;
            }
            for _ in 0..count {
                cursor = [
                    cursor[0] + unzig(commands[i]),
                    cursor[1] + unzig(commands[i + 1]),
                ];
                ring.push(cursor);
                i += 2;
            }
        }
        out
    }

    fn area2(ring: &[[i64; 2]]) -> i64 {
        (0..ring.len())
            .map(|j| {
                let (a, b) = (ring[j], ring[(j + 1) % ring.len()]);
                a[0] * b[1] - b[0] * a[1]
            })
            .sum()
    }

    #[test]
    fn protobuf_and_command_integers() {
        assert_eq!([zigzag(0), zigzag(-1), zigzag(1), zigzag(-2)], [0, 1, 2, 3]);
        assert_eq!([command(1, 1), command(2, 3), command(7, 1)], [9, 26, 15]);
        let mut buf = Vec::new();
        varint(&mut buf, 300);
        assert_eq!(buf, [0xAC, 0x02]);
    }

    /// Exterior rings come out with positive area in tile units (clockwise on
    /// screen) whichever way the GeoJSON wound them.
    #[test]
    fn exterior_rings_are_wound_the_mvt_way() {
        for clockwise in [false, true] {
            let index =
                TileIndex::from_geojson("t", &square(0.1, 52.2, 0.01, clockwise)).expect("index");
            let f = &index.features[0];
            let scale = f64::from(1u32 << 10);
            let (x, y) = ((f.bbox[0] * scale) as u32, (f.bbox[1] * scale) as u32);
            let to_tile = |[ux, uy]: [f64; 2]| {
                [
                    ((ux * scale - f64::from(x)) * f64::from(EXTENT)).round() as i64,
                    ((uy * scale - f64::from(y)) * f64::from(EXTENT)).round() as i64,
                ]
            };
            let rings = rings(&encode_polygons(&f.polygons, &to_tile));
            assert_eq!(rings.len(), 1);
            assert_eq!(rings[0].len(), 4, "closing point left to ClosePath");
            assert!(area2(&rings[0]) > 0, "clockwise input: {clockwise}");
        }
    }

    /// An area smaller than a tile unit is drawn as a point at that zoom and
    /// as a polygon deeper; nulls have no MVT value and are left out; tiles
    /// outside the pyramid are errors.
    #[test]
    fn small_features_nulls_and_bad_tiles() {
        let index = TileIndex::from_geojson("t", &square(0.1, 52.2, 1e-6, false)).expect("index");
        assert_eq!(index.features.len(), 1);
        let mut keys = index.keys.clone();
        keys.sort();
        assert_eq!(keys, ["count", "h3", "hot", "z"], "null `gone` left out");
        let (bytes, n) = index.tile(0, 0, 0).expect("tile");
        assert_eq!(n, 1, "a point where the area is");
        assert!(
            bytes.len() < 80,
            "a point, not a polygon: {} bytes",
            bytes.len()
        );
        let (x, y) = (
            (index.features[0].bbox[0] * 65_536.0) as u32,
            (index.features[0].bbox[1] * 65_536.0) as u32,
        );
        let (bytes, n) = index.tile(16, x, y).expect("tile");
        assert_eq!(n, 1);
        assert!(!bytes.is_empty());
        assert!(index.tile(17, 0, 0).is_err());
        assert!(index.tile(3, 8, 0).is_err());
        assert!(TileIndex::from_geojson(
            "t",
            b"{\"features\": [{\"geometry\": {\"type\": \"Polygon\", \"coordinates\": 5}}]}"
        )
        .is_err());
    }

    /// Children of one parent, with their bins and counts, aggregate to the
    /// most significant bin (hot before cold), the sum of the counts, and no
    /// count at all when one of them is withheld.
    #[test]
    fn aggregates_keep_the_strongest_bin_and_the_sum() {
        let parent = h3o::LatLng::new(52.666, 0.159)
            .expect("ll")
            .to_cell(h3o::Resolution::Five);
        let children: Vec<h3o::CellIndex> = parent.children(h3o::Resolution::Six).collect();
        let layer = |cells: &[(i64, Option<i64>)]| {
            let features: Vec<Value> = cells
                .iter()
                .zip(&children)
                .map(|((bin, count), cell)| {
                    let centre = h3o::LatLng::from(*cell);
                    let (x, y, d) = (centre.lng(), centre.lat(), 0.01);
                    serde_json::json!({"type": "Feature",
                        "geometry": {"type": "Polygon", "coordinates": [[[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]]},
                        "properties": {"h3": cell.to_string(), "bin": bin, "count": count}})
                })
                .collect();
            let index = TileIndex::from_geojson(
                "cells",
                serde_json::json!({"features": features})
                    .to_string()
                    .as_bytes(),
            )
            .expect("index");
            assert_eq!(index.shape, Shape::Hexagons(6));
            let aggregate = index.aggregate(5);
            assert_eq!(aggregate.summaries.len(), 1, "one parent");
            let s = &aggregate.summaries[0];
            (s.bin, s.count)
        };
        assert_eq!(layer(&[(-1, Some(2)), (-3, Some(1))]), (Some(-3), Some(3)));
        assert_eq!(layer(&[(-3, Some(2)), (-1, Some(1))]), (Some(-3), Some(3)));
        assert_eq!(layer(&[(2, Some(2)), (-3, Some(1))]), (Some(2), Some(3)));
        assert_eq!(
            layer(&[(1, Some(1)), (3, Some(4)), (-2, Some(1))]),
            (Some(3), Some(6))
        );
        assert_eq!(layer(&[(0, Some(1)), (0, None)]), (Some(0), None));
    }

    /// The aggregate of the points near a tile cuts to the same tile as the
    /// whole layer's aggregate, and the grid's estimate never undercounts.
    #[test]
    fn a_tile_aggregated_near_it_is_the_tile_aggregated_whole() {
        // 40,000 points spread over ~60 km, seeded (splitmix64).
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) as f64 / u64::MAX as f64
        };
        let positions: Vec<[f64; 2]> = (0..40_000)
            .map(|_| [-0.4 + next() * 0.9, 52.3 + next() * 0.5])
            .collect();
        let index = TileIndex::from_positions("reports", &positions, 256);
        let (z, res) = (10, 8);
        let [x, y] = mercator(&[0.05, 52.55]);
        let (tx, ty) = ((x * 1024.0) as u32, (y * 1024.0) as u32);
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (-1, -1)] {
            let (tx, ty) = (tx.wrapping_add_signed(dx), ty.wrapping_add_signed(dy));
            let near = index.aggregate_near(res, z, tx, ty).cut(z, tx, ty);
            let whole = index.coarser(res).cut(z, tx, ty);
            assert!(near.1 > 10, "{tx}/{ty}: {} cells", near.1);
            assert_eq!(near, whole, "{tx}/{ty}");
            let meets = meets_tile(z, tx, ty);
            let exact = index.features.iter().filter(|f| meets(f.bbox)).count();
            assert!(index.estimated_bytes(z, tx, ty) >= exact * 256);
        }
    }
}
