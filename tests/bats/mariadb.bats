#!/usr/bin/env bats
# The Bash analyzer on MariaDB (mini_his) against the Python profiler on the same database.

load helpers/common

setup() {
    common_setup
}

@test "MariaDB --no-mask: counts, min/max and top-5 values equal the Python profiler's" {
    analyze mysql-deep --config "$CONFIGS/mysql.json" --no-mask
    succeeded
    run_folder "$RUN/out"
    same_as_python mysql deep --db-url "$HIS_BATS_MYSQL_URL"
}

@test "MariaDB: the folder holds the DDL, the HTML and a process.log with every step timed" {
    analyze mysql-deep --config "$CONFIGS/mysql.json" --no-mask
    succeeded
    run_folder "$RUN/out"
    report_is_complete patient ovst opdscreen
    grep -q "CREATE TABLE \`patient\`" "$REPORT/ddl_schema/schema.sql"
    # The schema column is the database (MariaDB has no schemas inside one).
    run csv_values "$REPORT/data_profile/data_profile.csv" table
    [ "${#lines[@]}" -eq 12 ]
    run csv_values "$REPORT/data_profile/data_profile.csv" schema
    [ "$output" = "$HIS_BATS_DATABASE" ]
}

@test "MariaDB: the smart sample keeps config.json's limits and per-column exceptions" {
    analyze mysql-deep --config "$CONFIGS/mysql.json" --no-mask
    succeeded
    run_folder "$RUN/out"
    "$PYTHON" "$COMPARE" limits "$REPORT" "$CONFIGS/mysql.json"
}

@test "MariaDB masked by default: equal to the Python profiler's masked report" {
    analyze mysql-masked --config "$CONFIGS/mysql.json"
    succeeded
    run_folder "$RUN/out"
    same_as_python mysql masked
}

@test "MariaDB masked by default: no patient name or citizen ID of the source; --no-mask has them" {
    analyze mysql-masked --config "$CONFIGS/mysql.json"
    succeeded
    run_folder "$RUN/out"
    "$PYTHON" "$COMPARE" masked "$REPORT" "$SOURCES/mysql"
    analyze mysql-deep --config "$CONFIGS/mysql.json" --no-mask
    run_folder "$RUN/out"
    "$PYTHON" "$COMPARE" clear "$REPORT" "$SOURCES/mysql"
}

@test "MariaDB --basic, without --out: ./migration_report, equal to the Python basic run" {
    analyze mysql-basic --no-out --config "$CONFIGS/mysql.json" --basic --no-mask
    succeeded
    run_folder "$RUN/cwd/migration_report"
    same_as_python mysql basic
    [ -s "$REPORT/ddl_schema/schema.sql" ]
    [ -s "$REPORT/data_profile/data_profile.html" ]
}

@test "MariaDB --tables patient,ovst: only those two tables, in the CSV and the DDL" {
    analyze mysql-tables --config "$CONFIGS/mysql.json" --no-mask --tables patient,ovst
    succeeded
    run_folder "$RUN/out"
    run csv_values "$REPORT/data_profile/data_profile.csv" table
    [ "$output" = $'ovst\npatient' ]
    same_as_python mysql deep --tables patient,ovst
    report_is_complete patient ovst
    run ! grep -qi "CREATE TABLE \`opdscreen\`" "$REPORT/ddl_schema/schema.sql"
}

@test "MariaDB: config.json's database.tables chooses the tables when --tables is absent" {
    analyze mysql-config-tables --config "$CONFIGS/mysql-config-tables.json" --no-mask
    succeeded
    run_folder "$RUN/out"
    run csv_values "$REPORT/data_profile/data_profile.csv" table
    [ "$output" = patient ]
}
