// Package postgis holds the comparison of the monitoring's classification
// and corroboration with PostGIS's, the spatial database an analyst would
// otherwise reach for: a test that checks parley's classification against
// PostGIS's on a sample of reports, and a benchmark of both, side by side,
// on a million. Both need a PostgreSQL database with PostGIS, named by
// PARLEY_TEST_POSTGIS; scripts/postgis-bench makes one and runs them. It
// is not part of CI: PostGIS is not something parley needs.
package postgis
