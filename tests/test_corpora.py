"""Public corpora of broken geometry (vendored in tests/corpora, see its README): every file must be read
correctly or refused with a one-line message naming the file, the feature and the problem."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mineplan.errors import InputError
from mineplan.readers import read_applications

#: Changle's work CRS ([plan] crs of the bundled pack)
WORK_CRS = "EPSG:4549"

CORPORA = Path(__file__).resolve().parent / "corpora"
EXAMPLES = CORPORA / "geojson-invalid-geometry" / "examples"
GEOS_CSV = CORPORA / "geos-isvalid-cases.csv"

LOCAL_TM = "+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs"

OK = "ok"
REPAIR = "repaired with fix=True"  # refused without fix: "self-intersection at (x, y)"

#: file -> "ok", or a substring of the error, or (error substring, REPAIR).
GEOJSON_OUTCOMES: dict[str, object] = {
    # Winding order carries no meaning for us (RFC 7946 says parsers must not reject it).
    "invalid_geometries/invalid_exterior_not_ccw.geojson": OK,
    "invalid_geometries/invalid_incorrect_geometry_data_type.geojson": "LineString coordinates nested 3 deep, expected 2",  # noqa: E501
    "invalid_geometries/invalid_interior_not_cw.geojson": OK,
    "invalid_geometries/invalid_less_three_unique_nodes.geojson": "a ring needs at least 4 positions",
    "invalid_geometries/invalid_unclosed.geojson": "ring 1 is not closed",
    "invalid_structure/invalid_feature_geometry_is_string.geojson": "geometry must be an object or null",
    "invalid_structure/invalid_feature_id_type.geojson": "feature id must be a string or a number",
    # A missing "properties" member is common in the wild: read as no properties.
    "invalid_structure/invalid_feature_no_properties.geojson": OK,
    "invalid_structure/invalid_feature_properties_is_array.geojson": "properties must be an object or null",
    "invalid_structure/invalid_feature_properties_is_int.geojson": "properties must be an object or null",
    "invalid_structure/invalid_feature_wrong_geometry_key.geojson": "feature has no 'geometry' member",
    "invalid_structure/invalid_featurecollection_feature_nullfeature.geojson": "feature must be an object, not null",
    "invalid_structure/invalid_featurecollection_features_is_object.geojson": "'features' must be an array",
    "invalid_structure/invalid_featurecollection_no_features_member.geojson": "has no 'features' member",
    "invalid_structure/invalid_featurecollection_nulltype.geojson": "unknown GeoJSON type null",
    "invalid_structure/invalid_featurecollection_type_lowercase.geojson": 'unknown GeoJSON type "featurecollection"',
    "invalid_structure/invalid_featurecollection_unknown_type.geojson": 'unknown GeoJSON type "notafc"',
    "invalid_structure/invalid_geometry_bbox_not4or6.geojson": "bbox must be an array of 4 or 6 numbers",
    "invalid_structure/invalid_geometry_bbox_not_list.geojson": "bbox must be an array of 4 or 6 numbers",
    "invalid_structure/invalid_geometry_bbox_not_numbers.geojson": "bbox must be an array of 4 or 6 numbers",
    "invalid_structure/invalid_geometry_coordinates_1d.geojson": "Polygon coordinates nested 1 deep, expected 3",
    "invalid_structure/invalid_geometry_coordinates_empty_position.geojson": "position 3: a position must have 2 or 3 numbers",  # noqa: E501
    "invalid_structure/invalid_geometry_coordinates_missing.geojson": "Polygon has no 'coordinates'",
    "invalid_structure/invalid_geometry_coordinates_string.geojson": 'coordinate "11.691336" is not a number',
    "invalid_structure/invalid_geometry_depth_deep_point.geojson": "Point coordinates nested 2 deep, expected 1",
    "invalid_structure/invalid_geometry_depth_deep_polygon.geojson": "Polygon coordinates nested 5 deep, expected 3",
    "invalid_structure/invalid_geometry_depth_shallow_linestring.geojson": "LineString coordinates nested 1 deep",
    "invalid_structure/invalid_geometry_depth_shallow_multipolygon.geojson": "MultiPolygon coordinates nested 3 deep",
    "invalid_structure/invalid_geometry_depth_shallow_polygon.geojson": "Polygon coordinates nested 2 deep",
    "invalid_structure/invalid_geometry_geometrycollection_null_geometry.geojson": "GeometryCollection is not supported",  # noqa: E501
    "invalid_structure/invalid_geometry_mislabeled_point.geojson": "MultiPolygon coordinates nested 1 deep",
    "invalid_structure/invalid_geometry_missing_type.geojson": "geometry has no 'type'",
    "invalid_structure/invalid_geometry_wrong_geometry_type.geojson": 'unknown GeoJSON type "SomeThingElse"',
    "problematic_geometries/problematic_3d_coordinates.geojson": OK,  # Z dropped, with a note
    "problematic_geometries/problematic_4d_coordinates.geojson": "a position must have 2 or 3 numbers, not 4",
    "problematic_geometries/problematic_crosses_antimeridian.geojson": "spans more than 180° of longitude",
    "problematic_geometries/problematic_duplicate_nodes.geojson": OK,  # repeated vertices are valid
    "problematic_geometries/problematic_excessive_coordinate_precision.geojson": OK,
    "problematic_geometries/problematic_excessive_vertices.geojson": OK,
    "problematic_geometries/problematic_feature_null_geometry.geojson": "no geometry",
    "problematic_geometries/problematic_holes.geojson": OK,
    "problematic_geometries/problematic_inner_and_exterior_ring_intersect.geojson": ("self-intersection at (", REPAIR),
    "problematic_geometries/problematic_multitype_geometry_with_just_one_geometry.geojson": OK,
    "problematic_geometries/problematic_outside_lat_lon_boundaries.geojson": "longitude -190.624027 outside [-180, 180]",  # noqa: E501
    "problematic_geometries/problematic_self_intersection_large.geojson": ("self-intersection at (", REPAIR),
    "problematic_geometries/problematic_self_intersection_small.geojson": ("self-intersection at (", REPAIR),
    # A bbox is a hint; a wrongly ordered one does not change the geometry.
    "problematic_geometries/problematic_wrong_bbox_coordinate_order.geojson": OK,
    "problematic_geometries/problematic_zero_length_linestring.geojson": "too few points in geometry component",
    "problematic_structure/problematic_crs_defined.geojson": OK,  # legacy crs member honoured (UTM 32N)
    "problematic_structure/problematic_geometry_not_wrapped.geojson": OK,
    "problematic_structure/problematic_geometrycollection_single.geojson": "GeometryCollection is not supported",
    "problematic_structure/problematic_nested_geometrycollection.geojson": "GeometryCollection is not supported",
    "valid/valid_feature.geojson": OK,
    "valid/valid_feature_null_geometry.geojson": "no geometry",
    "valid/valid_feature_null_properties.geojson": OK,
    "valid/valid_feature_with_bbox.geojson": OK,
    "valid/valid_feature_with_id.geojson": OK,
    "valid/valid_feature_with_string_id.geojson": OK,
    "valid/valid_featurecollection.geojson": OK,
    "valid/valid_featurecollection_bboxes.geojson": OK,
    "valid/valid_featurecollection_empty_features.geojson": "no features",  # nothing to check
    "valid/valid_featurecollection_multiple_feature_types.geojson": OK,
    "valid/valid_featurecollection_with_geometrycollection.geojson": "GeometryCollection is not supported",
    "valid/valid_geometry.geojson": OK,
    "valid/valid_geometry_3d_coordinates.geojson": OK,
    "valid/valid_geometry_bbox.geojson": OK,
    "valid/valid_geometry_geometrycollection.geojson": "GeometryCollection is not supported",
    "valid/valid_geometry_geometrycollection_empty_geometries.geojson": "GeometryCollection is not supported",
    "valid/valid_geometry_linestring.geojson": OK,
    "valid/valid_geometry_multilinestring.geojson": OK,
    "valid/valid_geometry_multipoint.geojson": OK,
    "valid/valid_geometry_multipolygon.geojson": OK,
    "valid/valid_geometry_point.geojson": OK,
    "valid/valid_geometry_polygon.geojson": OK,
}


def test_table_covers_every_corpus_file():
    files = {p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.geojson")}
    assert files == set(GEOJSON_OUTCOMES)
    assert len(files) == 74


@pytest.mark.parametrize("name", sorted(GEOJSON_OUTCOMES))
def test_geojson_corpus(name):
    path = EXAMPLES / name
    expected = GEOJSON_OUTCOMES[name]
    if expected == OK:
        res = read_applications(path, work_crs=WORK_CRS)
        f = res.frame
        assert len(f) >= 1 and f["_error"].isna().all()
        assert str(f.crs) == "EPSG:4549"
        assert f.geometry.notna().all() and f.geometry.is_valid.all()
        return
    repair = isinstance(expected, tuple)
    message = expected[0] if repair else expected
    with pytest.raises(InputError) as info:
        read_applications(path, work_crs=WORK_CRS)
    text = str(info.value)
    assert message in text
    assert "\n" not in text and text.startswith(str(path))
    if repair:
        res = read_applications(path, fix=True, work_crs=WORK_CRS)
        assert res.frame["_repaired"].all() and res.frame.geometry.is_valid.all()
        assert res.frame.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    else:
        # Batch screening: a bad feature becomes a row with _error, unless the file itself is bad.
        try:
            res = read_applications(path, on_error="collect", work_crs=WORK_CRS)
        except InputError as exc:
            assert message in str(exc)  # a file-level problem
        else:
            bad = res.frame[res.frame["_error"].notna()]
            assert len(bad) >= 1 and bad.geometry.isna().all()
            assert any(message in e for e in bad["_error"])


def _geos_cases():
    with open(GEOS_CSV, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


#: Valid to GEOS but refused by us: empty geometries, LinearRing, GeometryCollection.
UNSUPPORTED = ("empty geometry", "LINEARRING is not a feature geometry", "GeometryCollection is not supported")


@pytest.mark.parametrize("fix", [False, True])
def test_geos_isvalid_cases(tmp_path, fix):
    rows = _geos_cases()
    assert len(rows) == 842
    wkt = tmp_path / "cases.wkt"
    wkt.write_text("\n".join(r["wkt"] for r in rows) + "\n", encoding="utf-8")
    # The cases sit around (0, 0): a PROJ string (no area of use) keeps the area-of-use check out
    # of a test of validity.
    res = read_applications(wkt, crs=LOCAL_TM, on_error="collect", fix=fix, work_crs=WORK_CRS)
    f = res.frame
    assert len(f) == len(rows)
    counts = {"read": 0, "refused": 0, "repaired": 0, "unsupported": 0}
    for row, (_, out) in zip(rows, f.iterrows(), strict=False):
        case = f"{row['source_file']}#{row['case_index']}: {row['wkt'][:60]}"
        if out["_error"] is not None:
            assert "\n" not in out["_error"]
            assert out.geometry is None
        if row["expected_is_valid"] == "true":
            if out["_error"] is not None:
                assert any(u in out["_error"] for u in UNSUPPORTED), case
                counts["unsupported"] += 1
            else:
                assert not out["_repaired"] and out.geometry.is_valid, case
                counts["read"] += 1
        else:
            if out["_error"] is None:
                assert fix and out["_repaired"] and out.geometry.is_valid, case
                counts["repaired"] += 1
            else:
                counts["refused"] += 1
    if fix:
        assert counts == {"read": 778, "refused": 13, "repaired": 43, "unsupported": 8}
    else:
        assert counts == {"read": 778, "refused": 56, "repaired": 0, "unsupported": 8}
