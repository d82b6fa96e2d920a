#!/usr/bin/env bats
# The Bash analyzer on PostgreSQL (mini_his) against the Python profiler on the same database.

load helpers/common

setup() {
    common_setup
}

@test "PostgreSQL --no-mask: counts, min/max and top-5 values equal the Python profiler's" {
    analyze pg-deep --config "$CONFIGS/postgresql.json" --no-mask
    succeeded
    run_folder "$RUN/out"
    same_as_python postgresql deep --db-url "$HIS_BATS_PG_URL"
}

@test "PostgreSQL: the folder holds the DDL, the HTML and a process.log with every step timed" {
    analyze pg-deep --config "$CONFIGS/postgresql.json" --no-mask
    succeeded
    run_folder "$RUN/out"
    report_is_complete patient ovst opdscreen
    grep -q 'CREATE TABLE public.patient' "$REPORT/ddl_schema/schema.sql"
    # config.json leaves the schema empty: the tables are found in, and reported as, public.
    run csv_values "$REPORT/data_profile/data_profile.csv" table
    [ "${#lines[@]}" -eq 12 ]
    run csv_values "$REPORT/data_profile/data_profile.csv" schema
    [ "$output" = public ]
}

@test "PostgreSQL: the smart sample keeps config.json's limits and per-column exceptions" {
    analyze pg-deep --config "$CONFIGS/postgresql.json" --no-mask
    succeeded
    run_folder "$RUN/out"
    "$PYTHON" "$COMPARE" limits "$REPORT" "$CONFIGS/postgresql.json"
}

@test "PostgreSQL masked by default: equal to the Python profiler's masked report" {
    analyze pg-masked --config "$CONFIGS/postgresql.json"
    succeeded
    run_folder "$RUN/out"
    same_as_python postgresql masked
}

@test "PostgreSQL masked by default: no patient name or citizen ID of the source; --no-mask has them" {
    analyze pg-masked --config "$CONFIGS/postgresql.json"
    succeeded
    run_folder "$RUN/out"
    "$PYTHON" "$COMPARE" masked "$REPORT" "$SOURCES/postgresql"
    analyze pg-deep --config "$CONFIGS/postgresql.json" --no-mask
    run_folder "$RUN/out"
    "$PYTHON" "$COMPARE" clear "$REPORT" "$SOURCES/postgresql"
}

@test "PostgreSQL --basic, without --out: ./migration_report, equal to the Python basic run" {
    analyze pg-basic --no-out --config "$CONFIGS/postgresql.json" --basic --no-mask
    succeeded
    run_folder "$RUN/cwd/migration_report"
    same_as_python postgresql basic
    [ -s "$REPORT/ddl_schema/schema.sql" ]
    [ -s "$REPORT/data_profile/data_profile.html" ]
}

@test "PostgreSQL --tables patient,ovst: only those two tables, in the CSV and the DDL" {
    analyze pg-tables --config "$CONFIGS/postgresql.json" --no-mask --tables patient,ovst
    succeeded
    run_folder "$RUN/out"
    run csv_values "$REPORT/data_profile/data_profile.csv" table
    [ "$output" = $'ovst\npatient' ]
    same_as_python postgresql deep --tables patient,ovst
    report_is_complete patient ovst
    run ! grep -qi 'CREATE TABLE public.opdscreen' "$REPORT/ddl_schema/schema.sql"
}
