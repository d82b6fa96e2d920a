# shellcheck shell=bash
# Once for the whole bats suite: a MariaDB and a PostgreSQL database filled with mini_his, the
# Python profiler's reports on them, and the analyzer's config.json files (helpers/prepare.py).
# Without a reachable server the tests skip, saying why; under HIS_REQUIRE_SERVICES=1 they fail.

setup_suite() {
    local root python status=0
    root="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    python="${HIS_BATS_PYTHON:-$root/.venv/bin/python}"
    if [ ! -x "$python" ]; then
        echo "no project Python at $python: run 'make setup' first" >&2
        return 1
    fi
    export HIS_BATS_WORK="$BATS_SUITE_TMPDIR/work"
    "$python" "$root/tests/bats/helpers/prepare.py" setup "$HIS_BATS_WORK" \
        >"$BATS_SUITE_TMPDIR/prepare.env" 2>"$BATS_SUITE_TMPDIR/prepare.err" || status=$?
    if [ "$status" -eq 3 ]; then
        if [ -n "${HIS_REQUIRE_SERVICES:-}" ] && [ "$HIS_REQUIRE_SERVICES" != 0 ]; then
            cat "$BATS_SUITE_TMPDIR/prepare.env" >&2
            return 1
        fi
        HIS_BATS_SKIP="$(head -n 1 "$BATS_SUITE_TMPDIR/prepare.env")"
        export HIS_BATS_SKIP
        return 0
    fi
    if [ "$status" -ne 0 ]; then
        echo "preparing the test databases failed:" >&2
        tail -n 20 "$BATS_SUITE_TMPDIR/prepare.err" >&2
        return 1
    fi
    # shellcheck disable=SC1091 # written just above by prepare.py: export lines only
    source "$BATS_SUITE_TMPDIR/prepare.env"
}

teardown_suite() {
    local root python
    root="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
    python="${HIS_BATS_PYTHON:-$root/.venv/bin/python}"
    if [ -n "${HIS_BATS_WORK:-}" ] && [ -x "$python" ]; then
        "$python" "$root/tests/bats/helpers/prepare.py" teardown "$HIS_BATS_WORK"
    fi
}
