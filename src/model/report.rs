//! The typed values a report is made of: vocabularies, indicators, grading,
//! how it was located, and the canonical text of a point.

use std::fmt;

use chrono::NaiveDate;

/// Where exploitation was observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VenueType {
    CarWash,
    NailBar,
    ServiceStation,
    Farm,
    Other,
}

impl VenueType {
    pub const ALL: [Self; 5] = [
        Self::CarWash,
        Self::NailBar,
        Self::ServiceStation,
        Self::Farm,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CarWash => "car_wash",
            Self::NailBar => "nail_bar",
            Self::ServiceStation => "service_station",
            Self::Farm => "farm",
            Self::Other => "other",
        }
    }

    /// How a person reads it on a page.
    pub fn label(self) -> &'static str {
        match self {
            Self::CarWash => "Car wash",
            Self::NailBar => "Nail bar",
            Self::ServiceStation => "Service station",
            Self::Farm => "Farm",
            Self::Other => "Other",
        }
    }

    /// The type in a sentence of English prose ("the only car wash within
    /// 40 m"): a link's stored reason reads as words, not codes.
    pub fn noun(self) -> &'static str {
        match self {
            Self::CarWash => "car wash",
            Self::NailBar => "nail bar",
            Self::ServiceStation => "service station",
            Self::Farm => "farm",
            Self::Other => "premises of another type",
        }
    }

    /// Parses the canonical names and the plain words people type on forms
    /// ("Hand car wash", "nail salon", "services", "lorry park", "packhouse").
    pub fn parse(text: &str) -> Option<Self> {
        let key = normalised(text);
        let venue =
            match &*key {
                "car_wash" | "carwash" | "hand_car_wash" | "hand_carwash" | "car_valeting"
                | "valeting" | "hand_car_valet" | "car_valet" => Self::CarWash,
                "nail_bar" | "nail_salon" | "nails" | "nail_parlour" | "nail_studio"
                | "nail_shop" => Self::NailBar,
                "service_station" | "services" | "motorway_services" | "service_area"
                | "lorry_park" | "truck_stop" | "lorry_stop" | "petrol_station"
                | "filling_station" => Self::ServiceStation,
                "farm" | "packhouse" | "pack_house" | "packing_house" | "field" | "fields"
                | "field_work" | "agriculture" | "agricultural" | "nursery" | "glasshouse" => {
                    Self::Farm
                }
                "other" => Self::Other,
                _ => return None,
            };
        Some(venue)
    }
}

/// The Home Office's exploitation categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum ExploitationType {
    Labour,
    Sexual,
    Criminal,
    DomesticServitude,
    #[default]
    Unknown,
}

impl ExploitationType {
    pub const ALL: [Self; 5] = [
        Self::Labour,
        Self::Sexual,
        Self::Criminal,
        Self::DomesticServitude,
        Self::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Labour => "labour",
            Self::Sexual => "sexual",
            Self::Criminal => "criminal",
            Self::DomesticServitude => "domestic_servitude",
            Self::Unknown => "unknown",
        }
    }

    /// How a person reads it on a page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Labour => "Labour",
            Self::Sexual => "Sexual",
            Self::Criminal => "Criminal",
            Self::DomesticServitude => "Domestic servitude",
            Self::Unknown => "Unknown",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let key = normalised(text);
        let kind = match &*key {
            "labour" | "labor" | "labour_exploitation" | "forced_labour" | "forced_labor" => {
                Self::Labour
            }
            "sexual" | "sexual_exploitation" => Self::Sexual,
            "criminal" | "criminal_exploitation" | "county_lines" => Self::Criminal,
            "domestic_servitude" | "domestic" | "servitude" => Self::DomesticServitude,
            "unknown" | "" => Self::Unknown,
            _ => return None,
        };
        Some(kind)
    }
}

macro_rules! indicators {
    ($($variant:ident => $name:literal, $label:literal),+ $(,)?) => {
        /// An indicator of exploitation from public guidance and welfare-app checklists.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Indicator { $($variant),+ }

        impl Indicator {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }

            /// How a person reads it on a page (written, not made from the code).
            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),+ }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match &*normalised(text) {
                    $($name => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

indicators! {
    NoPpe => "no_ppe", "No PPE",
    LivingOnSite => "living_on_site", "Living on site",
    CashOnly => "cash_only", "Cash only",
    NoReceipt => "no_receipt", "No receipt",
    VeryLowPrice => "very_low_price", "Very low price",
    FearfulWorkers => "fearful_workers", "Fearful workers",
    ControllingManager => "controlling_manager", "Controlling manager",
    TransportedInGroups => "transported_in_groups", "Transported in groups",
    IdWithheld => "id_withheld", "ID withheld",
    UnderageWorkers => "underage_workers", "Underage workers",
    SignsOfAbuse => "signs_of_abuse", "Signs of abuse",
    PoorAccommodation => "poor_accommodation", "Poor accommodation",
    LongHours => "long_hours", "Long hours",
    DebtBondage => "debt_bondage", "Debt bondage",
}

/// A set of indicators, stored as a bit mask (bit i = `Indicator::ALL[i]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IndicatorSet(u16);

impl IndicatorSet {
    pub fn from_bits(bits: u16) -> Self {
        Self(bits & ((1 << Indicator::ALL.len()) - 1))
    }

    pub fn bits(self) -> u16 {
        self.0
    }

    pub fn insert(&mut self, indicator: Indicator) {
        self.0 |= 1 << indicator as u8;
    }

    pub fn contains(self, indicator: Indicator) -> bool {
        self.0 & (1 << indicator as u8) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn iter(self) -> impl Iterator<Item = Indicator> {
        Indicator::ALL
            .iter()
            .copied()
            .filter(move |i| self.contains(*i))
    }

    /// `;`-separated canonical names in a fixed order, as in the input format:
    /// what `Display` writes, and what the content hash appends to a `String`
    /// for every row without going through `write!`'s formatting machinery.
    pub fn write_names(self, out: &mut impl fmt::Write) -> fmt::Result {
        for (n, indicator) in self.iter().enumerate() {
            if n > 0 {
                out.write_char(';')?;
            }
            out.write_str(indicator.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Display for IndicatorSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_names(f)
    }
}

/// UK police 3x5x2 intelligence grading: source evaluation 1-3, intelligence
/// assessment A-E, handling code P (lawful sharing permitted) or C (conditions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Grading {
    source: u8,
    intelligence: u8,
    handling: u8,
}

impl Grading {
    /// Accepts `1AP`, `1/A/P`, `1-A-P`, `1 a p`.
    pub fn parse(text: &str) -> Option<Self> {
        let chars: Vec<char> = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '/' | '-' | ',' | '.'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        match chars.as_slice() {
            [s @ '1'..='3', i @ 'A'..='E', h @ ('P' | 'C')] => Some(Self {
                source: *s as u8,
                intelligence: *i as u8,
                handling: *h as u8,
            }),
            _ => None,
        }
    }
}

impl fmt::Display for Grading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}",
            self.source as char, self.intelligence as char, self.handling as char
        )
    }
}

/// How a report's point was obtained; kept with every stored report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GeocodeMethod {
    /// WGS84 latitude/longitude as given (GPS, app, web map).
    Wgs84,
    /// British National Grid easting/northing through OSTN15.
    Bng,
    /// A full postcode's Code-Point Open centroid.
    Postcode,
    /// The centroid of an outward code's (postcode district's) units.
    OutwardCode,
    /// A GeoNames populated place.
    Town,
    /// A full postcode read out of an address.
    AddressPostcode,
    /// A place name read out of an address.
    AddressTown,
}

impl GeocodeMethod {
    pub const ALL: [Self; 7] = [
        Self::Wgs84,
        Self::Bng,
        Self::Postcode,
        Self::OutwardCode,
        Self::Town,
        Self::AddressPostcode,
        Self::AddressTown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wgs84 => "wgs84",
            Self::Bng => "bng",
            Self::Postcode => "postcode",
            Self::OutwardCode => "outward_code",
            Self::Town => "town",
            Self::AddressPostcode => "address_postcode",
            Self::AddressTown => "address_town",
        }
    }
}

/// The report's own fields, typed; the location is carried separately as input.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportFields {
    /// The source's own id; `None` when the row had none (a content hash is used).
    pub report_id: Option<String>,
    pub source: String,
    pub observed_on: NaiveDate,
    pub venue_type: VenueType,
    pub venue_name: Option<String>,
    pub exploitation_type: ExploitationType,
    pub indicators: IndicatorSet,
    pub persons_count: Option<u32>,
    pub nationalities: Vec<String>,
    pub child_involved: Option<bool>,
    pub grading: Option<Grading>,
    pub notes: Option<String>,
}

/// Lower-case, with spaces, hyphens and slashes as `_`, for matching words.
pub(crate) fn normalise_word(text: &str) -> String {
    normalised(text).into_owned()
}

/// As [`normalise_word`], borrowing text that is already in that form (most
/// machine-written values), so that parsing a row allocates less.
pub(crate) fn normalised(text: &str) -> std::borrow::Cow<'_, str> {
    // One pass: lowercase letters, digits, and single underscores between
    // them (`str::contains("__")` cost a substring search per field).
    let mut after_underscore = true; // so a leading '_' is not plain
    let plain = !text.is_empty()
        && text.bytes().all(|b| {
            let ok =
                b.is_ascii_lowercase() || b.is_ascii_digit() || (b == b'_' && !after_underscore);
            after_underscore = b == b'_';
            ok
        })
        && !after_underscore;
    if plain {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        match c {
            ' ' | '-' | '/' | '_' => {
                if !out.ends_with('_') && !out.is_empty() {
                    out.push('_');
                }
            }
            '\'' | '’' | '.' => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    std::borrow::Cow::Owned(out)
}

/// The canonical text of a WGS84 location as given, `ll:{lat}:{lng}`: part of
/// a report's content hash, and what the store rebuilds for a report whose
/// `location_input` it left empty (see migration 5).
pub fn latlng_key(lat: f64, lng: f64) -> String {
    let mut text = String::with_capacity(32);
    push_latlng_key(&mut text, lat, lng);
    text
}

/// Appends [`latlng_key`]'s text to `out`.
pub fn push_latlng_key(out: &mut String, lat: f64, lng: f64) {
    out.push_str("ll:");
    push_float(out, lat);
    out.push(':');
    push_float(out, lng);
}

/// Appends [`latlng_key`]'s text to `out` given the text each number was
/// read from: where that text is already how `Display` writes the number
/// (`51.881155`, as people and devices type coordinates), it is copied
/// instead of formatting the number again (bench/README.md has the gain).
pub fn push_latlng_key_as_read(out: &mut String, lat: (f64, &str), lng: (f64, &str)) {
    out.push_str("ll:");
    push_float_as_read(out, lat.0, lat.1);
    out.push(':');
    push_float_as_read(out, lng.0, lng.1);
}

/// [`push_float`], copying `text` (which `x` was parsed from) when it is what
/// `Display` writes for `x`.
fn push_float_as_read(out: &mut String, x: f64, text: &str) {
    if is_display_form(text) {
        out.push_str(text);
    } else {
        push_float(out, x);
    }
}

/// Whether `text` is how `Display` writes the double it parses to: an
/// optional `-`, whole digits without a leading zero (or just `0`), an
/// optional fraction not ending in `0`, and at most 15 significant digits.
/// Decimals of 15 digits or fewer each read as a different double (DBL_DIG),
/// so no other decimal as short reads as this one: its digits are the
/// shortest, which `Display` writes, never with an exponent. Capped at 15
/// whole and 20 fraction digits, so that the number is a normal double (a
/// 400-digit `0.000...1` reads as 0).
fn is_display_form(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text).as_bytes();
    let (whole, fraction) = match unsigned.iter().position(|&b| b == b'.') {
        Some(dot) => (&unsigned[..dot], Some(&unsigned[dot + 1..])),
        None => (unsigned, None),
    };
    let digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    let whole_ok = !whole.is_empty()
        && whole.len() <= 15
        && digits(whole)
        && (whole.len() == 1 || whole[0] != b'0');
    let fraction_ok = fraction
        .is_none_or(|f| !f.is_empty() && f.len() <= 20 && digits(f) && f.last() != Some(&b'0'));
    whole_ok
        && fraction_ok
        && whole
            .iter()
            .chain(fraction.unwrap_or_default())
            .skip_while(|&&d| d == b'0')
            .count()
            <= 15
}

/// Appends `x` exactly as `Display` writes it (the shortest digits that read
/// back as `x`, never an exponent): ryu's digits, several times faster than
/// `Display` (whose float formatting was ~10% of the ingest workers' time).
/// Content hashes depend on this text, so ryu's answer is taken only where it
/// cannot differ: at most 15 significant digits (decimals that short are
/// further apart than a double's rounding interval, so the shortest is unique;
/// at 16-17 digits the two may break a tie differently), no exponent, no
/// trailing `.0`, finite. Anything else is written by `Display` itself.
fn push_float(out: &mut String, x: f64) {
    let mut digits = ryu::Buffer::new();
    let text = digits.format(x);
    let significant = text
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip_while(|&d| d == b'0')
        .count();
    if x.is_finite() && significant <= 15 && !text.contains('e') && !text.ends_with(".0") {
        out.push_str(text);
    } else {
        use std::fmt::Write as _;
        let _ = write!(out, "{x}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy is taken only where it is exactly what formatting would
    /// write: checked on ~200,000 texts shaped as people type numbers (signs,
    /// leading and trailing zeros, 0-20 decimals, 1-17 digits, exponents) from
    /// a seeded xorshift, and the common shapes are taken.
    #[test]
    fn a_coordinate_is_copied_only_where_display_would_write_it() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut copied = 0;
        for _ in 0..200_000 {
            let mut text = String::new();
            match next(8) {
                0 => text.push('-'),
                1 => text.push('+'),
                _ => {}
            }
            for _ in 0..next(4) {
                text.push('0');
            }
            let longest = if next(20) == 0 { 17 } else { 3 };
            for _ in 0..=next(longest) {
                text.push(char::from(b'0' + next(10) as u8));
            }
            if next(5) > 0 {
                text.push('.');
                for _ in 0..next(21) {
                    text.push(char::from(b'0' + next(10) as u8));
                }
                for _ in 0..next(3) {
                    text.push('0');
                }
            }
            if next(30) == 0 {
                text.push_str(if next(2) == 0 { "e5" } else { "e-7" });
            }
            let Ok(x) = text.parse::<f64>() else { continue };
            let mut ours = String::new();
            push_float_as_read(&mut ours, x, &text);
            assert_eq!(ours, x.to_string(), "{text:?}");
            copied += usize::from(is_display_form(&text));
        }
        assert!(copied > 10_000, "the copy is taken: {copied}");
        for typed in [
            "51.881155",
            "-0.421064",
            "0",
            "-0",
            "52",
            "-1.5",
            "0.000001",
        ] {
            assert!(is_display_form(typed), "{typed}");
        }
        for not_shortest in [
            "51.8811550",
            "051.1",
            "+1.5",
            "1e5",
            ".5",
            "5.",
            "-0.0",
            "0.1234567890123456",
        ] {
            assert!(!is_display_form(not_shortest), "{not_shortest}");
        }
    }

    /// Content hashes depend on the canonical text: `push_float` must write what
    /// `Display` writes. Checked on coordinates as people type them (1-10
    /// decimals across and around the UK), on arbitrary bit patterns (a seeded
    /// xorshift) and on the cases ryu writes differently.
    #[test]
    fn push_float_writes_what_display_writes() {
        let check = |x: f64| {
            let mut ours = String::new();
            push_float(&mut ours, x);
            assert_eq!(ours, x.to_string(), "bits {:#x}", x.to_bits());
        };
        for x in [
            0.0,
            -0.0,
            52.0,
            -1.0,
            1e-7,
            0.000_01,
            1e16,
            1e21,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            check(x);
        }
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let decimals = (next() % 10 + 1) as i32;
            let scale = 10f64.powi(decimals);
            let whole = (next() % 40) as f64 + 40.0;
            let fraction = (next() % scale as u64) as f64;
            let sign = if next() % 2 == 0 { 1.0 } else { -1.0 };
            let text = format!("{}", sign * (whole + fraction / scale));
            check(text.parse().expect("decimal"));
            let typed = format!("{:.*}", decimals as usize, sign * (fraction / scale) * 8.0);
            check(typed.parse().expect("decimal"));
            check(f64::from_bits(next()));
        }
    }

    #[test]
    fn normalised_borrows_only_what_is_already_normal() {
        for (text, expected, borrowed) in [
            ("car_wash", "car_wash", true),
            ("r2d2", "r2d2", true),
            ("Car Wash", "car_wash", false),
            (" car-wash ", "car_wash", false),
            ("_car_wash", "car_wash", false),
            ("car_wash_", "car_wash", false),
            ("car__wash", "car_wash", false),
            ("car_wash's", "car_washs", false),
            ("", "", false),
            ("_", "", false),
            ("a_b_c", "a_b_c", true),
            ("a_", "a", false),
        ] {
            let got = normalised(text);
            assert_eq!(got, expected, "{text:?}");
            assert_eq!(
                matches!(got, std::borrow::Cow::Borrowed(_)),
                borrowed,
                "{text:?}"
            );
        }
    }

    #[test]
    fn venue_plain_words_map_to_types() {
        for (text, venue) in [
            ("car_wash", VenueType::CarWash),
            ("Hand car wash", VenueType::CarWash),
            ("HAND CAR-WASH", VenueType::CarWash),
            ("nail salon", VenueType::NailBar),
            ("Nail Bar", VenueType::NailBar),
            ("services", VenueType::ServiceStation),
            ("Lorry park", VenueType::ServiceStation),
            ("packhouse", VenueType::Farm),
            ("farm", VenueType::Farm),
            ("other", VenueType::Other),
        ] {
            assert_eq!(VenueType::parse(text), Some(venue), "{text}");
        }
        assert_eq!(VenueType::parse("casino"), None);
        assert_eq!(VenueType::parse(""), None);
    }

    #[test]
    fn indicator_set_round_trips_in_fixed_order() {
        let mut set = IndicatorSet::default();
        set.insert(Indicator::DebtBondage);
        set.insert(Indicator::NoPpe);
        assert_eq!(set.to_string(), "no_ppe;debt_bondage");
        assert_eq!(IndicatorSet::from_bits(set.bits()), set);
        assert_eq!(
            Indicator::parse("Living on site"),
            Some(Indicator::LivingOnSite)
        );
        assert_eq!(Indicator::ALL.len(), 14);
    }

    #[test]
    fn grading_forms() {
        assert_eq!(
            Grading::parse("1AP").map(|g| g.to_string()).as_deref(),
            Some("1AP")
        );
        assert_eq!(
            Grading::parse("2/b/c").map(|g| g.to_string()).as_deref(),
            Some("2BC")
        );
        assert_eq!(Grading::parse("4AP"), None);
        assert_eq!(Grading::parse("1FP"), None);
        assert_eq!(Grading::parse("1AX"), None);
    }
}
