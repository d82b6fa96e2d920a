#!/usr/bin/env bats
# The password never shows (ps, process.log, the report, the terminal), and a missing client
# is reported, not installed behind the user's back.

load helpers/common

setup() {
    common_setup
}

# watch_ps KEY CONFIG: run the analyzer in the background and read every process's command
# line until it ends. The database clients are also reached through wrappers that write down
# their arguments (ps may miss a client that lives a few milliseconds). Sets SEEN (snapshots
# that showed the analyzer), CALLS (the clients' command lines) and LEAKS (command lines that
# showed the password, or its random part, the password replaced by <password>).
watch_ps() {
    local key=$1 config=$2 pid snapshot client real secret=${HIS_BATS_SECRET#Bats#}
    local shims="$BATS_SUITE_TMPDIR/shims-$key"
    RUN="$BATS_SUITE_TMPDIR/runs/$key"
    mkdir -p "$RUN/tmp" "$RUN/cwd" "$shims"
    for client in mysql mariadb mysqldump mariadb-dump psql pg_dump; do
        real=$(command -v "$client") || continue
        # shellcheck disable=SC2016 # $0, $* and $@ are the wrapper's own
        printf '#!/bin/sh\necho "$0 $*" >>"%s"\nexec "%s" "$@"\n' "$shims/calls" "$real" \
            >"$shims/$client"
        chmod +x "$shims/$client"
    done
    SEEN=0
    LEAKS=""
    (
        cd "$RUN/cwd" || exit 99
        export TMPDIR="$RUN/tmp"
        exec env PATH="$shims:$PATH" timeout 120 "$ANALYZER" --config "$config" --out "$RUN/out"
    ) </dev/null >"$RUN/stdout" 2>"$RUN/stderr" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        snapshot=$(ps -eo args)
        if [[ $snapshot == *unified_db_analyzer* ]]; then
            SEEN=$((SEEN + 1))
        fi
        LEAKS+=$(grep -F -e "$secret" <<<"$snapshot" || true)
        sleep 0.02
    done
    STATUS=0
    # shellcheck disable=SC2034 # read by succeeded
    wait "$pid" || STATUS=$?
    CALLS=$(cat "$shims/calls" 2>/dev/null || true)
    LEAKS+=$(grep -F -e "$secret" <<<"$CALLS" || true)
    LEAKS=${LEAKS//"$HIS_BATS_SECRET"/<password>}
    LEAKS=${LEAKS//"$secret"/<password>}
}

# no_password_shown: no snapshot of ps and no client's command line held the password.
no_password_shown() {
    [ "$SEEN" -gt 0 ] || { echo "ps never saw the analyzer running" >&2; return 1; }
    [ -n "$CALLS" ] || { echo "the analyzer called no database client through PATH" >&2; return 1; }
    if [ -n "$LEAKS" ]; then
        echo "a command line showed the password:" >&2
        head -n 3 <<<"$LEAKS" >&2
        return 1
    fi
}

# nowhere_in_files: the password is in no file of the report and not on the terminal.
nowhere_in_files() {
    local secret=${HIS_BATS_SECRET#Bats#}
    if grep -rlF -e "$secret" "$REPORT" "$RUN/stdout" "$RUN/stderr"; then
        echo "the password is written in the files above" >&2
        return 1
    fi
}

@test "MariaDB with a password: ps never shows it during the run, nor process.log or the report" {
    watch_ps ps-mysql "$CONFIGS/mysql-reader.json"
    succeeded
    no_password_shown
    run_folder "$RUN/out"
    nowhere_in_files
    # A read-only login (SELECT only) gets the whole report, DDL included.
    report_is_complete patient
}

@test "PostgreSQL with a password: ps never shows it during the run, nor process.log or the report" {
    watch_ps ps-pg "$CONFIGS/postgresql-secret.json"
    succeeded
    no_password_shown
    run_folder "$RUN/out"
    nowhere_in_files
}

# path_without_mysql DIR: DIR filled with links to every command on PATH except the MariaDB/MySQL
# clients and the project's venv, plus package managers that only write down how they were
# called (so nothing is ever installed); prints the PATH to use.
path_without_mysql() {
    local bin=$1 dir command name
    local -A linked=()
    mkdir -p "$bin"
    IFS=: read -ra dirs <<<"$PATH"
    for dir in "${dirs[@]}"; do
        [ -d "$dir" ] && [ "$dir" != "$ROOT/.venv/bin" ] || continue
        for command in "$dir"/*; do
            name=${command##*/}
            case $name in mysql* | mariadb* | apt | apt-get | sudo | brew) continue ;; esac
            [ -x "$command" ] && [ -z "${linked[$name]:-}" ] && linked[$name]=$command
        done
    done
    ln -s "${linked[@]}" "$bin/"
    for name in apt apt-get sudo brew; do
        # shellcheck disable=SC2016 # $0, $* and $@ are the wrapper's own
        printf '#!/bin/sh\necho "%s $*" >>"%s"\nexit 1\n' "$name" "$bin/../calls" >"$bin/$name"
        chmod +x "$bin/$name"
    done
    echo "$bin"
}

@test "no mysql client, no --yes, stdin closed: one line, non-zero exit, nothing installed" {
    local bin="$BATS_SUITE_TMPDIR/nomysql/bin"
    ANALYZER_PATH=$(path_without_mysql "$bin")
    not_on_path "$ANALYZER_PATH" mysql
    not_on_path "$ANALYZER_PATH" mariadb
    analyze missing-client --config "$CONFIGS/mysql.json"
    one_error_line
    [[ $ERROR_LINE == *mysql* || $ERROR_LINE == *mariadb* ]]
    no_report "$RUN/out"
    if grep -s install "$bin/../calls"; then
        echo "an install was attempted without asking" >&2
        false
    fi
}
