# shellcheck shell=bash disable=SC2034 # its variables are read by the .bats files
# What every .bats file loads: where things are, one run of the analyzer per case (shared by
# every file of the suite), and the checks on a report folder.

bats_require_minimum_version 1.5.0

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
# HIS_BATS_ANALYZER: another copy of the analyzer to test (default: this repository's).
ANALYZER="${HIS_BATS_ANALYZER:-$ROOT/analysis_report/unified_db_analyzer.sh}"
PYTHON="${HIS_BATS_PYTHON:-$ROOT/.venv/bin/python}"
COMPARE="$ROOT/tests/bats/helpers/compare.py"
CONFIGS="${HIS_BATS_WORK:-}/config"
PYTHON_REPORTS="${HIS_BATS_WORK:-}/python"
SOURCES="${HIS_BATS_WORK:-}/source"
PREFIX="unified_db_analyzer: "

common_setup() {
    if [ -n "${HIS_BATS_SKIP:-}" ]; then
        skip "$HIS_BATS_SKIP"
    fi
    if [ ! -f "$ANALYZER" ]; then
        echo "the analyzer $ANALYZER does not exist" >&2
        return 1
    fi
    if [ ! -x "$ANALYZER" ]; then
        echo "the analyzer $ANALYZER is not executable (chmod +x)" >&2
        return 1
    fi
}

# analyze KEY ARGS…: run the analyzer once per KEY in the suite, in its own working folder,
# with its own TMPDIR and stdin closed; later calls reuse the result. Sets RUN (the case's
# folder: cwd/, out/ (given as --out unless ARGS say --no-out), tmp/, stdout, stderr) and
# STATUS. ANALYZER_PATH, when set, replaces PATH for the run; ANALYZER_COPY runs that copy.
analyze() {
    local key=$1 status=0 started
    shift
    RUN="$BATS_SUITE_TMPDIR/runs/$key"
    if [ ! -f "$RUN/status" ]; then
        mkdir -p "$RUN/cwd" "$RUN/tmp"
        local args=(--out "$RUN/out" "$@")
        if [ "${1:-}" = --no-out ]; then
            args=("${@:2}")
        fi
        started=$(date +%s.%N)
        (
            cd "$RUN/cwd" || exit 99
            export TMPDIR="$RUN/tmp" PATH="${ANALYZER_PATH:-$PATH}"
            exec timeout 120 "${ANALYZER_COPY:-$ANALYZER}" "${args[@]}"
        ) </dev/null >"$RUN/stdout" 2>"$RUN/stderr" || status=$?
        echo "$status" >"$RUN/status"
        awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }' >"$RUN/seconds"
    fi
    STATUS=$(<"$RUN/status")
}

# succeeded: the last `analyze` exited 0 (else show its stderr and fail).
succeeded() {
    if [ "$STATUS" -ne 0 ]; then
        echo "the analyzer exited $STATUS; stderr:" >&2
        tail -n 20 "$RUN/stderr" >&2
        return 1
    fi
}

# run_folder OUT: OUT holds exactly one report folder YYYYMMDD_HHMM and nothing else, and no
# temporary folder is left anywhere (nothing_stray); sets REPORT to it.
run_folder() {
    local out=$1 entries
    mapfile -t entries < <(ls -A "$out" 2>/dev/null)
    if [ "${#entries[@]}" -ne 1 ] || ! [[ ${entries[0]} =~ ^[0-9]{8}_[0-9]{4}(_[0-9]+)?$ ]]; then
        echo "expected one YYYYMMDD_HHMM folder in $out, found: ${entries[*]:-nothing}" >&2
        return 1
    fi
    nothing_stray
    REPORT="$out/${entries[0]}"
}

# no_report OUT: a failed run left nothing under OUT, and nothing stray.
no_report() {
    local out=$1 entries
    mapfile -t entries < <(ls -A "$out" 2>/dev/null)
    if [ "${#entries[@]}" -ne 0 ]; then
        echo "a failed run left in $out: ${entries[*]}" >&2
        return 1
    fi
    nothing_stray
}

# nothing_stray: the run wrote nothing beside --out (in its folder or working folder) and left
# nothing in its TMPDIR; ./migration_report is the report when --out was not given.
nothing_stray() {
    local path stray=()
    shopt -s dotglob nullglob
    for path in "$RUN"/* "$RUN"/cwd/* "$RUN"/tmp/*; do
        case ${path#"$RUN"/} in
            cwd | out | tmp | stdout | stderr | status | seconds | cwd/migration_report) ;;
            *) stray+=("${path#"$RUN"/}") ;;
        esac
    done
    shopt -u dotglob nullglob
    if [ "${#stray[@]}" -ne 0 ]; then
        echo "left behind by the run: ${stray[*]}" >&2
        return 1
    fi
}

# one_error_line [EXPECTED_STATUS]: the last `analyze` failed (with that status, if given)
# and said why in one line on stderr starting with the analyzer's name.
one_error_line() {
    local lines
    mapfile -t lines <"$RUN/stderr"
    if [ "$STATUS" -eq 0 ]; then
        echo "the analyzer exited 0" >&2
        return 1
    fi
    if [ -n "${1:-}" ] && [ "$STATUS" -ne "$1" ]; then
        echo "the analyzer exited $STATUS, expected $1; stderr: ${lines[*]}" >&2
        return 1
    fi
    if [ "${#lines[@]}" -ne 1 ] || [[ ${lines[0]} != "$PREFIX"* ]]; then
        echo "expected one stderr line starting with '$PREFIX', got ${#lines[@]}:" >&2
        printf '  %s\n' "${lines[@]}" >&2
        return 1
    fi
    ERROR_LINE=${lines[0]}
}

# same_as_python ENGINE VARIANT [compare.py options]: the report's CSV against the Python
# profiler's for the same database and the same settings.
same_as_python() {
    local engine=$1 variant=$2
    shift 2
    "$PYTHON" "$COMPARE" same "$PYTHON_REPORTS/$engine/$variant"/* "$REPORT" "$@"
}

# report_is_complete TABLE…: DDL with CREATE TABLE for each TABLE, a non-empty offline HTML
# page, and a process.log of "HH:MM:SS LEVEL message" lines, each TABLE in a timed one.
report_is_complete() {
    local table lines
    [ -s "$REPORT/ddl_schema/schema.sql" ] || { echo "schema.sql is missing or empty" >&2; return 1; }
    for table in "$@"; do
        if ! grep -Eiq "CREATE TABLE [^(]*\b$table\b" "$REPORT/ddl_schema/schema.sql"; then
            echo "schema.sql has no CREATE TABLE $table" >&2
            return 1
        fi
    done
    html_is_offline "$REPORT/data_profile/data_profile.html"
    [ -s "$REPORT/process.log" ] || { echo "process.log is missing or empty" >&2; return 1; }
    if grep -Evq '^[0-9]{2}:[0-9]{2}:[0-9]{2} [A-Z]+ ' "$REPORT/process.log"; then
        echo "process.log lines not 'HH:MM:SS LEVEL message':" >&2
        grep -Ev '^[0-9]{2}:[0-9]{2}:[0-9]{2} [A-Z]+ ' "$REPORT/process.log" | head -n 3 >&2
        return 1
    fi
    lines=$(grep -Ec '\([0-9]+\.[0-9]{2} s\)$' "$REPORT/process.log" || true)
    [ "$lines" -ge 3 ] || { echo "process.log has $lines timed '(N.NN s)' lines" >&2; return 1; }
    for table in "$@"; do
        if ! grep -Eq "\b$table\b.*\([0-9]+\.[0-9]{2} s\)$" "$REPORT/process.log"; then
            echo "process.log has no timed line for table $table" >&2
            return 1
        fi
    done
}

# html_is_offline FILE: a non-empty HTML page with a table that loads nothing from the network.
html_is_offline() {
    [ -s "$1" ] || { echo "$1 is missing or empty" >&2; return 1; }
    grep -qi '<table' "$1" || { echo "$1 has no <table>" >&2; return 1; }
    if grep -Eiq '(src|href)=["'"'"']?(https?:)?//|@import|url\(["'"'"']?(https?:)?//' "$1"; then
        echo "$1 loads something from the network:" >&2
        grep -Eio '(src|href)=["'"'"']?(https?:)?//[^"'"'"' >]*' "$1" | head -n 3 >&2
        return 1
    fi
}

# csv_values CSV COLUMN: the distinct values of COLUMN in a data_profile.csv, sorted, one a line.
csv_values() {
    "$PYTHON" - "$1" "$2" <<'PY'
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as file:
    print("\n".join(sorted({row[sys.argv[2]] for row in csv.DictReader(file)})))
PY
}

# not_on_path PATH COMMAND: COMMAND is not found on PATH.
not_on_path() {
    if PATH=$1 command -v "$2" >/dev/null; then
        echo "$2 is still on the PATH: $(PATH=$1 command -v "$2")" >&2
        return 1
    fi
}
