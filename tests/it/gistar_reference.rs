//! Gi* z, p and bins against the independent numpy/h3-py implementation in
//! `tests/fixtures/gistar_reference.py` (itself checked against PySAL esda
//! `G_Local(star=True)` and `fdr`), within 1e-9.

use h3o::CellIndex;
use hotspots::analysis::{bins, gi_star, Kernel, Neighbours, StudyArea};

struct Fixture {
    k: u32,
    kernel: Kernel,
    cells: Vec<CellIndex>,
    x: Vec<f64>,
    z: Vec<f64>,
    p: Vec<f64>,
    bin_fdr: Vec<i8>,
    bin_plain: Vec<i8>,
}

fn fixture(text: &str) -> Fixture {
    let mut lines = text.lines();
    let params = lines.next().expect("params line");
    let value = |key: &str| {
        params
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(key))
            .expect(key)
            .to_owned()
    };
    let mut f = Fixture {
        k: value("k=").parse().expect("k"),
        kernel: value("kernel=").parse().expect("kernel"),
        cells: vec![],
        x: vec![],
        z: vec![],
        p: vec![],
        bin_fdr: vec![],
        bin_plain: vec![],
    };
    for line in lines.skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        f.cells.push(c[0].parse().expect("cell"));
        f.x.push(c[1].parse().expect("x"));
        f.z.push(c[2].parse().expect("z"));
        f.p.push(c[3].parse().expect("p"));
        f.bin_fdr.push(c[4].parse().expect("bin"));
        f.bin_plain.push(c[5].parse().expect("bin"));
    }
    f
}

fn check(name: &str, text: &str) {
    let f = fixture(text);
    let area = StudyArea::new(f.cells.iter().copied());
    assert_eq!(
        area.cells(),
        f.cells.as_slice(),
        "{name}: fixture cells are sorted like ours"
    );
    let nb = Neighbours::build(&area, f.k, f.kernel);
    let gi = gi_star(&f.x, &nb);
    for i in 0..f.cells.len() {
        assert!(
            (gi.z[i] - f.z[i]).abs() < 1e-9,
            "{name} {}: z {} vs {}",
            f.cells[i],
            gi.z[i],
            f.z[i]
        );
        assert!(
            (gi.p[i] - f.p[i]).abs() < 1e-9,
            "{name} {}: p {} vs {}",
            f.cells[i],
            gi.p[i],
            f.p[i]
        );
    }
    assert_eq!(bins(&gi.z, &gi.p, true), f.bin_fdr, "{name}: bins with FDR");
    assert_eq!(
        bins(&gi.z, &gi.p, false),
        f.bin_plain,
        "{name}: bins without FDR"
    );
}

#[test]
fn uniform_k1_with_zeros() {
    check(
        "uniform_k1",
        include_str!("../fixtures/gistar_uniform_k1.csv"),
    );
}

#[test]
fn gaussian_k2() {
    check(
        "gaussian_k2",
        include_str!("../fixtures/gistar_gaussian_k2.csv"),
    );
}

#[test]
fn triangular_k1_with_a_hole_in_the_area() {
    check(
        "triangular_k1_hole",
        include_str!("../fixtures/gistar_triangular_k1_hole.csv"),
    );
}

#[test]
fn gaussian_k1_risk_weighted_values() {
    check(
        "gaussian_k1_risk",
        include_str!("../fixtures/gistar_gaussian_k1_risk.csv"),
    );
}

#[test]
fn constant_field_is_never_significant() {
    check(
        "constant_uniform_k1",
        include_str!("../fixtures/gistar_constant_uniform_k1.csv"),
    );
    let f = fixture(include_str!("../fixtures/gistar_constant_uniform_k1.csv"));
    assert!(f.z.iter().all(|z| *z == 0.0) && f.bin_fdr.iter().all(|b| *b == 0));
}

#[test]
fn planted_core_is_hot_at_99() {
    let f = fixture(include_str!("../fixtures/gistar_uniform_k1.csv"));
    // The fixture plants its hot core at Wisbech's res-8 cell and its ring: our
    // own Gi* (not the fixture's column) must put the centre in bin 3.
    let centre = h3o::LatLng::new(52.666_22, 0.159_38)
        .expect("ll")
        .to_cell(h3o::Resolution::Eight);
    let area = StudyArea::new(f.cells.iter().copied());
    let gi = gi_star(&f.x, &Neighbours::build(&area, 1, Kernel::Uniform));
    let bins = bins(&gi.z, &gi.p, true);
    let i = area.position(centre).expect("centre in patch");
    assert_eq!(bins[i], 3, "z = {}", gi.z[i]);
    // And a far corner of the patch, all background, is not hot.
    assert!(bins.iter().filter(|b| **b == 3).count() < 20);
}
