#!/usr/bin/env bats
# The analyzer where the project's Python is not installed (a copy of analysis_report/ alone, no
# his-analyzer on PATH): it writes the CSV itself, masks with awk and writes a plain HTML table.

load helpers/common

setup() {
    common_setup
    local copy="$BATS_SUITE_TMPDIR/standalone"
    if [ ! -d "$copy/analysis_report" ]; then
        mkdir -p "$copy"
        cp -R "$(dirname "$ANALYZER")" "$copy/analysis_report"
    fi
    # shellcheck disable=SC2034 # read by analyze
    ANALYZER_COPY="$copy/analysis_report/unified_db_analyzer.sh"
    ANALYZER_PATH=$(tr : '\n' <<<"$PATH" | grep -vxF "$ROOT/.venv/bin" | paste -sd:)
}

@test "without Python --no-mask: the same CSV as the Python profiler's, and an offline HTML table" {
    not_on_path "$ANALYZER_PATH" his-analyzer
    analyze standalone-deep --config "$CONFIGS/mysql.json" --no-mask
    succeeded
    run_folder "$RUN/out"
    same_as_python mysql deep --db-url "$HIS_BATS_MYSQL_URL"
    report_is_complete patient ovst
    html_is_offline "$REPORT/data_profile/data_profile.html"
    grep -q patient "$REPORT/data_profile/data_profile.html"
}

@test "without Python, masked by default: counts kept, no patient name or citizen ID shown" {
    analyze standalone-masked --config "$CONFIGS/postgresql.json"
    succeeded
    run_folder "$RUN/out"
    same_as_python postgresql masked --counts-only
    "$PYTHON" "$COMPARE" masked "$REPORT" "$SOURCES/postgresql"
}
