#!/usr/bin/env bats
# Each failure: one line on stderr starting with the analyzer's name, a non-zero exit status
# (1 at run time, 2 for usage and config errors) and no report folder left behind.

load helpers/common

setup() {
    common_setup
}

@test "a wrong password: one line, exit 1, no report folder, the password not echoed" {
    analyze fail-password --config "$CONFIGS/mysql-wrong-password.json"
    one_error_line 1
    no_report "$RUN/out"
    [[ $ERROR_LINE != *"$HIS_BATS_SECRET"* ]]
}

@test "an unreachable server (a closed port): one line, exit 1, no report folder" {
    analyze fail-closed-port --config "$CONFIGS/mysql-closed-port.json"
    one_error_line 1
    no_report "$RUN/out"
}

@test "an unknown table (--tables nosuch): one line naming it, non-zero exit, no report folder" {
    analyze fail-unknown-table --config "$CONFIGS/mysql.json" --tables nosuch
    one_error_line
    [[ $ERROR_LINE == *nosuch* ]]
    no_report "$RUN/out"
}

@test "an unknown table on PostgreSQL: one line naming it, non-zero exit, no report folder" {
    analyze fail-unknown-table-pg --config "$CONFIGS/postgresql.json" --tables patient,nosuch
    one_error_line
    [[ $ERROR_LINE == *nosuch* ]]
    no_report "$RUN/out"
}

@test "a config.json that is not JSON: one line, exit 2, no report folder" {
    analyze fail-broken-json --config "$CONFIGS/broken.json"
    one_error_line 2
    no_report "$RUN/out"
}

@test "a config.json without database.type: one line naming the field, exit 2, no report folder" {
    analyze fail-no-type --config "$CONFIGS/no-type.json"
    one_error_line 2
    [[ $ERROR_LINE == *type* ]]
    no_report "$RUN/out"
}

@test "a config file that does not exist: one line, exit 2, no report folder" {
    analyze fail-no-config --config "$CONFIGS/nosuch.json"
    one_error_line 2
    no_report "$RUN/out"
}

@test "an unknown option: one line, exit 2" {
    analyze fail-option --config "$CONFIGS/mysql.json" --colour
    one_error_line 2
    no_report "$RUN/out"
}

@test "--help: every option listed, exit 0" {
    analyze help --help
    succeeded
    for option in --config --out --tables --basic --no-mask --yes --help; do
        grep -q -- "$option" "$RUN/stdout"
    done
}
