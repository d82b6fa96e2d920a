#!/usr/bin/env bash
# unified_db_analyzer.sh: profile a HIS database (MariaDB/MySQL, PostgreSQL, MSSQL) with its
# native client and write the same report folder as `his-analyzer profile`:
#   <out>/YYYYMMDD_HHMM/ddl_schema/schema.sql, data_profile/data_profile.csv and .html,
#   process.log. Run with --help for the options; the README's "Analysis" section explains more.

# Bash 4 or newer is needed (associative arrays, ${var,,}); macOS ships 3.2, so look for
# Homebrew's. This part must stay valid Bash 3.
if [ -z "${BASH_VERSINFO:-}" ] || [ "${BASH_VERSINFO[0]}" -lt 4 ]; then
    for newer_bash in /opt/homebrew/bin/bash /usr/local/bin/bash; do
        if [ -x "$newer_bash" ] && [ "$newer_bash" != "${BASH:-}" ]; then
            exec "$newer_bash" "$0" "$@"
        fi
    done
    echo "unified_db_analyzer: Bash 4 or newer is needed (on macOS: brew install bash)" >&2
    exit 2
fi

set -euo pipefail
export LC_NUMERIC=C # a decimal point in EPOCHREALTIME and printf, whatever the user's locale
umask 077           # the temporary files hold patient data and the secrets files a password

readonly PROG=unified_db_analyzer
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly TOP_VALUES=5
readonly CHUNK_COLUMNS=31 # GROUPING() takes at most 31 arguments on PostgreSQL
readonly PARALLEL=2       # client sessions per table, as the Python profiler's connections

# --- options and state ----------------------------------------------------------------------
config_file="$SCRIPT_DIR/config.json"
out_dir="./migration_report"
tables_option=""
basic=false
mask=true
assume_yes=false
print_sql=""

engine="" host="" port="" db_name="" db_user="" password="" schema=""
default_limit=10 max_text_length=300 deep_analysis=true
declare -A sample_limit_of=() # "table<TAB>column" (lower case) → sample size
declare -a chosen_tables=()
declare -a client=() dump_client=()
declare -a client_pids=()
server_version=""
work="" secrets="" tmp_report="" created_out=false finished=false
log_file=""

usage() {
    cat <<'EOF'
Usage: unified_db_analyzer.sh [OPTIONS]

Profile a hospital database with its native client (mysql/mariadb, psql, sqlcmd) and write
a report folder like `his-analyzer profile`: DDL, data_profile.csv, data_profile.html and
process.log, in OUT/YYYYMMDD_HHMM/.

Options:
  --config FILE     The analyzer config (default: config.json beside this script).
  --out DIR         Where report folders go (default: ./migration_report). Point it at the
                    installation's reports folder to see the run in the dashboard.
  --tables a,b      Only these tables (default: the config's "tables", else all of them).
  --basic           Counts only (rows, nulls, sizes); the default is every metric.
  --no-mask         Leave personal identifiers in clear (masked by default).
  --yes             Install a missing client without asking (apt-get or Homebrew).
  --print-sql ENGINE  Print the SQL the analyzer runs on mysql, postgresql or mssql for an
                    example table, then exit (no connection).
  --help            Show this help.

The password comes from the config's database.password, or from the environment variable
HIS_ANALYZER_PASSWORD when set; it is never put on a command line.
Exit codes: 0 done, 1 connection/query/install failure, 2 usage or config error.
EOF
}

# --- failing, logging, cleaning up ------------------------------------------------------------

die() {
    local code=$1 message=$2
    if [[ -n $password ]]; then
        message=${message//"$password"/***}
    fi
    message=${message//$'\n'/ }
    if [[ -n $log_file && -f $log_file ]]; then
        clock
        printf '%s ERROR %s (0.00 s)\n' "$REPLY" "$message" >>"$log_file"
    fi
    printf '%s: %s\n' "$PROG" "$message" >&2
    exit "$code"
}

cleanup() {
    local pid
    for pid in "${client_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    if [[ $finished != true && -n $tmp_report && -d $tmp_report ]]; then
        rm -rf -- "$tmp_report"
    fi
    if [[ $finished != true && $created_out == true ]]; then
        rmdir -- "$out_dir" 2>/dev/null || true
    fi
    [[ -z $work ]] || rm -rf -- "$work"
    [[ -z $secrets ]] || rm -rf -- "$secrets"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

clock() {
    printf -v REPLY '%(%H:%M:%S)T' -1
}

# Microseconds since the epoch in REPLY (whole seconds where Bash has no EPOCHREALTIME).
micros() {
    if [[ -n ${EPOCHREALTIME:-} ]]; then
        REPLY=${EPOCHREALTIME/[.,]/}
    else
        REPLY="$(date +%s)000000"
    fi
}

# log LEVEL MESSAGE START_MICROS: a process.log line "HH:MM:SS LEVEL message (N.NN s)".
log() {
    local level=$1 message=$2 started=$3 elapsed
    micros
    elapsed=$((REPLY - started))
    printf -v elapsed '%d.%02d' $((elapsed / 1000000)) $((elapsed % 1000000 / 10000))
    clock
    printf '%s %s %s (%s s)\n' "$REPLY" "$level" "$message" "$elapsed" >>"$log_file"
    if [[ $level == WARN ]]; then
        printf 'warning: %s\n' "$message"
    else
        printf '%s (%s s)\n' "$message" "$elapsed"
    fi
}

first_line() {
    local line=""
    [[ -s $1 ]] && IFS= read -r line <"$1"
    line=${line#psql: error: }
    line=${line#pg_dump: error: }
    line=${line#"Sqlcmd: Error: "}
    printf '%s' "${line:-no message from the client}"
}

# --- arguments --------------------------------------------------------------------------------

parse_args() {
    while (($#)); do
        case $1 in
            --config) (($# > 1)) || die 2 "--config needs a file"; config_file=$2; shift ;;
            --config=*) config_file=${1#*=} ;;
            --out) (($# > 1)) || die 2 "--out needs a folder"; out_dir=$2; shift ;;
            --out=*) out_dir=${1#*=} ;;
            --tables) (($# > 1)) || die 2 "--tables needs a list, e.g. ovst,patient"; tables_option=$2; shift ;;
            --tables=*) tables_option=${1#*=} ;;
            --basic) basic=true ;;
            --no-mask) mask=false ;;
            --yes | -y) assume_yes=true ;;
            --print-sql) (($# > 1)) || die 2 "--print-sql needs an engine"; print_sql=$2; shift ;;
            --print-sql=*) print_sql=${1#*=} ;;
            --help | -h) usage; exit 0 ;;
            *) die 2 "unknown option '$1' (see --help)" ;;
        esac
        shift
    done
    [[ -n $out_dir ]] || die 2 "--out needs a folder"
}

# --- clients: found, or offered for installation ------------------------------------------------

# offer_install WHAT BREW_PACKAGE APT_PACKAGE: install a missing tool after asking (or --yes).
offer_install() {
    local what=$1 brew_package=$2 apt_package=$3 answer=""
    local -a installer=()
    if [[ $(uname -s) == Darwin ]]; then
        command -v brew >/dev/null ||
            die 1 "$what is not installed and Homebrew is missing: install Homebrew, then brew install $brew_package"
        installer=(brew install "$brew_package")
    elif command -v apt-get >/dev/null; then
        [[ -n $apt_package ]] ||
            die 1 "$what is not installed and has no Debian package: install it by hand (see the README)"
        installer=(apt-get install -y "$apt_package")
        if ((EUID != 0)); then
            command -v sudo >/dev/null ||
                die 1 "$what is not installed: ask an administrator to run apt-get install $apt_package"
            installer=(sudo "${installer[@]}")
        fi
    else
        die 1 "$what is not installed: install it with your system's package manager"
    fi
    if [[ $assume_yes != true ]]; then
        if [[ -t 0 ]]; then
            read -r -p "$what is needed but not installed. Install it now with '${installer[*]}'? [y/N] " answer || true
        fi
        [[ $answer == [yY]* ]] ||
            die 1 "$what is needed but not installed; install it with: ${installer[*]} (or rerun with --yes)"
    fi
    printf 'Installing %s: %s\n' "$what" "${installer[*]}"
    if [[ ${installer[0]} != brew ]]; then
        # The package lists may be old or missing (a fresh container): refresh them first.
        "${installer[@]:0:${#installer[@]}-3}" update -qq >/dev/null 2>&1 || true
    fi
    "${installer[@]}" >&2 || die 1 "installing $what failed ('${installer[*]}')"
    if [[ ${installer[0]} == brew ]]; then
        local prefix
        prefix=$(brew --prefix "$brew_package" 2>/dev/null) && PATH="$prefix/bin:$PATH"
    fi
}

# Homebrew's mysql-client and libpq are keg-only: their programs are not on PATH by default.
add_brew_kegs_to_path() {
    [[ $(uname -s) == Darwin ]] && command -v brew >/dev/null || return 0
    local keg
    for keg in mysql-client libpq; do
        keg="$(brew --prefix 2>/dev/null)/opt/$keg/bin"
        [[ -d $keg ]] && PATH="$keg:$PATH"
    done
    return 0
}

# first_tool NAME...: the first of the programs that is installed, or nothing.
first_tool() {
    local tool
    for tool in "$@"; do
        if command -v "$tool" >/dev/null; then
            printf '%s' "$tool"
            return 0
        fi
    done
}

require_jq() {
    command -v jq >/dev/null || offer_install "jq (reads config.json)" jq jq
    command -v jq >/dev/null || die 1 "jq is still not on PATH after installing it"
}

require_clients() {
    add_brew_kegs_to_path
    local tool dump
    case $engine in
        mysql)
            tool=$(first_tool mariadb mysql)
            if [[ -z $tool ]]; then
                offer_install "the MySQL/MariaDB client (mysql)" mysql-client default-mysql-client
                tool=$(first_tool mariadb mysql)
            fi
            dump=$(first_tool mariadb-dump mysqldump)
            ;;
        postgresql)
            tool=$(first_tool psql)
            if [[ -z $tool ]]; then
                offer_install "the PostgreSQL client (psql)" libpq postgresql-client
                tool=$(first_tool psql)
            fi
            dump=$(first_tool pg_dump)
            ;;
        mssql)
            tool=$(first_tool sqlcmd)
            if [[ -z $tool ]]; then
                offer_install "the SQL Server client (sqlcmd)" sqlcmd ""
                tool=$(first_tool sqlcmd)
            fi
            dump=""
            ;;
    esac
    [[ -n $tool ]] || die 1 "the $engine client is still not on PATH after installing it"
    client=("$tool")
    dump_client=()
    [[ -z $dump ]] || dump_client=("$dump")
}

# --- the config -------------------------------------------------------------------------------

read_config() {
    [[ -f $config_file ]] || die 2 "config file '$config_file' does not exist"
    local problem
    if ! problem=$(jq -r "$CONFIG_CHECK" "$config_file" 2>&1); then
        problem=${problem#jq: error (at *): }
        die 2 "config file '$config_file' is not valid JSON: ${problem%%$'\n'*}"
    fi
    [[ -z $problem ]] || die 2 "config file '$config_file': $problem"
    local assignments
    assignments=$(jq -r '
        .database as $d | (.sampling // {}) as $s |
        @sh "engine=\($d.type | ascii_downcase)",
        @sh "host=\($d.host // "" | tostring)",
        @sh "port=\($d.port // "" | tostring)",
        @sh "db_name=\($d.name // "")",
        @sh "db_user=\($d.user // "")",
        @sh "password=\($d.password // "")",
        @sh "schema=\($d.schema // "")",
        @sh "default_limit=\($s.default_limit // 10)",
        @sh "max_text_length=\($s.max_text_length // 300)",
        @sh "deep_analysis=\(if $s.deep_analysis == false then "false" else "true" end)"
    ' "$config_file")
    eval "$assignments"
    local table column limit
    while IFS=$'\t' read -r table column limit; do
        [[ -n $table ]] && sample_limit_of["${table,,}"$'\t'"${column,,}"]=$limit
    done < <(jq -r '(.sampling.exceptions // [])[] | [.table, .column, .limit] | @tsv' "$config_file")
    if [[ -n ${HIS_ANALYZER_PASSWORD+set} ]]; then
        password=$HIS_ANALYZER_PASSWORD
    fi
    case $engine in
        mysql | mariadb) engine=mysql; schema=$db_name; port=${port:-3306} ;;
        postgresql | postgres | pgsql) engine=postgresql; schema=${schema:-public}; port=${port:-5432} ;;
        mssql | sqlserver | sql_server) engine=mssql; schema=${schema:-dbo}; port=${port:-1433} ;;
        *) die 2 "config file '$config_file': database.type '$engine' is not mysql, postgresql or mssql" ;;
    esac
    host=${host:-127.0.0.1}
    [[ $deep_analysis == true ]] || basic=true
    local -a names=()
    if [[ -n $tables_option ]]; then
        IFS=',' read -r -a names <<<"$tables_option"
    else
        mapfile -t names < <(jq -r '(.database.tables // [])[]' "$config_file")
    fi
    local name
    for name in "${names[@]}"; do
        name=${name#"${name%%[![:space:]]*}"}
        name=${name%"${name##*[![:space:]]}"}
        [[ -n $name ]] && chosen_tables+=("$name")
    done
    return 0
}

# What is wrong with the config, as one line (empty when nothing is); jq fails on bad JSON.
# shellcheck disable=SC2016 # a jq program: its $names are jq's
readonly CONFIG_CHECK='
def int_in($lo; $hi): type == "number" and . == floor and . >= $lo and . <= $hi;
if type != "object" then "the top level is not an object"
elif (.database | type) != "object" then "database: missing or not an object"
elif (.database.type | type) != "string" or .database.type == "" then "database.type: missing (mysql, postgresql or mssql)"
elif (.database.name | type) != "string" or .database.name == "" then "database.name: missing"
elif (.database.port // "" | tostring | test("^[0-9]*$")) | not then "database.port: not a number"
elif [.database.host, .database.user, .database.password, .database.schema] | any(.[]; . != null and type != "string") then "database.host, user, password and schema: must be text"
elif .database.tables // [] | if type != "array" then true else any(.[]; type != "string") end then "database.tables: must be a list of table names"
elif (.sampling // {} | type) != "object" then "sampling: not an object"
elif (.sampling.default_limit // 10 | int_in(0; 1000)) | not then "sampling.default_limit: a whole number from 0 to 1000"
elif (.sampling.max_text_length // 300 | int_in(10; 100000)) | not then "sampling.max_text_length: a whole number from 10 to 100000"
elif (.sampling.deep_analysis // true | type) != "boolean" then "sampling.deep_analysis: true or false"
elif (.sampling.exceptions // [] | type) != "array" then "sampling.exceptions: must be a list"
elif .sampling.exceptions // [] | any(.[]; type != "object" or (.table | type) != "string" or (.column | type) != "string" or (.limit | int_in(0; 1000) | not)) then "sampling.exceptions: each needs a table, a column and a limit from 0 to 1000"
else "" end'

# --- secrets: never on a command line -----------------------------------------------------------

prepare_connection() {
    secrets=$(mktemp -d "${TMPDIR:-/tmp}/$PROG.secrets.XXXXXX")
    chmod 700 "$secrets"
    case $engine in
        mysql)
            local quoted=${password//\\/\\\\}
            quoted=${quoted//\"/\\\"}
            local user=${db_user//\\/\\\\}
            user=${user//\"/\\\"}
            {
                printf '[client]\nhost="%s"\nport=%s\n' "$host" "$port"
                [[ -z $db_user ]] || printf 'user="%s"\n' "$user"
                printf 'password="%s"\n' "$quoted"
            } >"$secrets/my.cnf"
            chmod 600 "$secrets/my.cnf"
            # --defaults-extra-file must come first; the password stays in the 0600 file.
            client+=(--defaults-extra-file="$secrets/my.cnf" --batch --skip-column-names
                --default-character-set=utf8mb4 --connect-timeout=10 --database="$db_name")
            [[ ${#dump_client[@]} -eq 0 ]] ||
                dump_client+=(--defaults-extra-file="$secrets/my.cnf" --default-character-set=utf8mb4
                    --no-data --routines --triggers --skip-comments --skip-lock-tables --no-tablespaces)
            ;;
        postgresql)
            local escaped=${password//\\/\\\\}
            escaped=${escaped//:/\\:}
            printf '*:*:*:*:%s\n' "$escaped" >"$secrets/pgpass"
            chmod 600 "$secrets/pgpass"
            export PGPASSFILE="$secrets/pgpass" PGCONNECT_TIMEOUT=10 PGCLIENTENCODING=UTF8
            export PGAPPNAME=$PROG
            local -a target=(-h "$host" -p "$port" -d "$db_name")
            [[ -z $db_user ]] || target+=(-U "$db_user")
            # -w: never prompt (a wrong password fails instead of waiting for a keyboard).
            client+=(-X -q -w -v ON_ERROR_STOP=1 "${target[@]}")
            [[ ${#dump_client[@]} -eq 0 ]] || dump_client+=(-w --schema-only "${target[@]}")
            ;;
        mssql)
            export SQLCMDPASSWORD=$password
            # -C trusts the server's certificate (hospital servers mostly run self-signed ones).
            client+=(-S "tcp:$host,$port" -d "$db_name" -C -b -r 1 -h -1 -y 0 -f 65001 -l 10)
            if [[ -n $db_user ]]; then client+=(-U "$db_user"); else client+=(-E); fi
            ;;
    esac
}

# client_command SCRIPT: `command`, the client reading the SQL script file SCRIPT (MySQL and
# psql also read it from standard input).
client_command() {
    command=("${client[@]}")
    [[ $engine != mssql ]] || command+=(-i "$1")
}
declare -a command=()

# run_sql SCRIPT OUTPUT ERRORS: run a SQL script file through the engine's client.
run_sql() {
    client_command "$1"
    "${command[@]}" <"$1" >"$2" 2>"$3"
}

# --- SQL, per engine ----------------------------------------------------------------------------
# The statistics are the Python profiler's own expressions (services/profiling/queries.py), so
# both count, order and break ties alike. Values travel as text prefixed with '.', which tells a
# NULL from the text 'NULL'; MySQL's batch mode and PostgreSQL's COPY escape tabs, newlines and
# backslashes, and the T-SQL builds such lines itself.
# Each helper leaves its SQL in REPLY (no subshell: a table of 100 columns calls them a thousand
# times); `sql HELPER ARGS…` prints it instead, for the one-off catalog queries.

sql() {
    "$@"
    printf '%s' "$REPLY"
}

# emit SELECT_REST: print one statement whose rows become output lines.
emit() {
    statement "$1"
    printf '%s\n' "$REPLY"
}

ident() {
    # shellcheck disable=SC2016 # backquotes quote MySQL names
    case $engine in
        mysql) printf -v REPLY '`%s`' "${1//\`/\`\`}" ;;
        postgresql) printf -v REPLY '"%s"' "${1//\"/\"\"}" ;;
        mssql) printf -v REPLY '[%s]' "${1//]/]]}" ;;
    esac
}

literal() {
    local text=${1//\'/\'\'}
    case $engine in
        mysql) text=${text//\\/\\\\}; printf -v REPLY "'%s'" "$text" ;;
        postgresql) printf -v REPLY "'%s'" "$text" ;;
        mssql) printf -v REPLY "N'%s'" "$text" ;;
    esac
}

qualified() {
    ident "$schema"
    local owner=$REPLY
    ident "$1"
    REPLY="$owner.$REPLY"
}

as_text() {
    case $engine in
        mysql) printf -v REPLY 'CAST(%s AS CHAR)' "$1" ;;
        postgresql) printf -v REPLY 'CAST(%s AS TEXT)' "$1" ;;
        mssql) printf -v REPLY 'CAST(%s AS NVARCHAR(4000))' "$1" ;;
    esac
}

char_length() {
    case $engine in
        mssql) printf -v REPLY 'LEN(%s)' "$1" ;;
        *) printf -v REPLY 'CHAR_LENGTH(%s)' "$1" ;;
    esac
}

# A text value with the '.' that marks it as present (NULL stays NULL).
present() {
    case $engine in
        mysql) printf -v REPLY "CONCAT('.', %s)" "$1" ;;
        postgresql) printf -v REPLY "'.' || %s" "$1" ;;
        mssql)
            printf -v REPLY "N'.' + REPLACE(REPLACE(REPLACE(REPLACE(%s, N'\\\\', N'\\\\\\\\'), NCHAR(9), N'\\\\t'), NCHAR(10), N'\\\\n'), NCHAR(13), N'\\\\r')" "$1"
            ;;
    esac
}

# A value cut to max_text_length characters, as the Python profiler cuts samples: 'abc…'.
clipped() {
    local limit=$max_text_length
    case $engine in
        mysql) printf -v REPLY "CASE WHEN CHAR_LENGTH(%s) > %d THEN CONCAT(LEFT(%s, %d), '…') ELSE %s END" "$1" "$limit" "$1" $((limit - 1)) "$1" ;;
        postgresql) printf -v REPLY "CASE WHEN CHAR_LENGTH(%s) > %d THEN LEFT(%s, %d) || '…' ELSE %s END" "$1" "$limit" "$1" $((limit - 1)) "$1" ;;
        mssql) printf -v REPLY "CASE WHEN LEN(%s + N'.') - 1 > %d THEN LEFT(%s, %d) + N'…' ELSE %s END" "$1" "$limit" "$1" $((limit - 1)) "$1" ;;
    esac
}

# select_row EXPRESSION...: the select list of one output line (T-SQL: one text column).
select_row() {
    local expression line="" separator=""
    if [[ $engine != mssql ]]; then
        for expression in "$@"; do
            line+="$separator$expression"
            separator=", "
        done
        printf -v REPLY '%s' "$line"
        return
    fi
    line="CAST(N'' AS NVARCHAR(MAX))"
    for expression in "$@"; do
        line+="$separator + ISNULL(CAST($expression AS NVARCHAR(MAX)), N'\\N')"
        separator=" + NCHAR(9)"
    done
    printf -v REPLY '%s' "$line"
}

# statement SELECT_REST: one statement whose rows become output lines.
statement() {
    case $engine in
        postgresql) REPLY="COPY (SELECT $1) TO STDOUT;" ;;
        *) REPLY="SELECT $1;" ;;
    esac
}

session_sql() {
    case $engine in
        # A GROUP BY over many distinct values spills the default 16 MB in-memory temporary
        # table to disk and runs ten times slower (as dialects/mysql.py says).
        mysql) printf 'SET SESSION tmp_table_size = 268435456, max_heap_table_size = 268435456;\n' ;;
        mssql) printf 'SET NOCOUNT ON;\n' ;;
        *) : ;;
    esac
}

# The server's version, whether the schema exists, and its tables: lines V, N, T.
catalog_sql() {
    session_sql
    local s
    s=$(sql literal "$schema")
    case $engine in
        mysql)
            emit "$(sql select_row "'V'" "VERSION()")"
            emit "$(sql select_row "'N'" "COUNT(*)") FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = $s"
            emit "$(sql select_row "'T'" "$(sql present TABLE_NAME)") FROM information_schema.TABLES WHERE TABLE_SCHEMA = $s AND TABLE_TYPE = 'BASE TABLE'"
            ;;
        postgresql)
            emit "$(sql select_row "'V'" "current_setting('server_version')")"
            emit "$(sql select_row "'N'" "COUNT(*)") FROM pg_catalog.pg_namespace WHERE nspname = $s"
            emit "$(sql select_row "'T'" "$(sql present c.relname)") FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $s AND c.relkind IN ('r', 'p')"
            ;;
        mssql)
            emit "$(sql select_row "'V'" "CAST(SERVERPROPERTY('ProductVersion') AS NVARCHAR(128))")"
            emit "$(sql select_row "'N'" "COUNT(*)") FROM sys.schemas WHERE name = $s"
            emit "$(sql select_row "'T'" "$(sql present TABLE_NAME)") FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = $s AND TABLE_TYPE = 'BASE TABLE'"
            ;;
    esac
}

# Columns (C), single-column unique keys (U) and sizes in bytes (S) of the chosen tables.
# C: table, position, column, type key, length, precision, scale, nullable, primary key.
metadata_sql() {
    local s list="" table
    s=$(sql literal "$schema")
    for table in "${chosen_tables[@]}"; do
        list+="${list:+, }$(sql literal "$table")"
    done
    session_sql
    case $engine in
        mysql)
            emit "$(sql select_row "'S'" "$(sql present TABLE_NAME)" "DATA_LENGTH + INDEX_LENGTH") FROM information_schema.TABLES WHERE TABLE_SCHEMA = $s AND TABLE_NAME IN ($list)"
            emit "$(sql select_row "'U'" "$(sql present TABLE_NAME)" "$(sql present "MIN(COLUMN_NAME)")") FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = $s AND TABLE_NAME IN ($list) AND NON_UNIQUE = 0 AND COLUMN_NAME IS NOT NULL GROUP BY TABLE_NAME, INDEX_NAME HAVING COUNT(*) = 1"
            emit "$(sql select_row "'C'" "$(sql present TABLE_NAME)" ORDINAL_POSITION "$(sql present COLUMN_NAME)" "LOWER(DATA_TYPE)" CHARACTER_MAXIMUM_LENGTH NUMERIC_PRECISION NUMERIC_SCALE "CASE WHEN IS_NULLABLE = 'YES' THEN 1 ELSE 0 END" "CASE WHEN COLUMN_KEY = 'PRI' THEN 1 ELSE 0 END") FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = $s AND TABLE_NAME IN ($list) ORDER BY TABLE_NAME, ORDINAL_POSITION"
            ;;
        postgresql)
            local key_count=indnkeyatts
            # PostgreSQL before 11 has no INCLUDE columns, hence no indnkeyatts.
            [[ ${server_version%%.*} =~ ^[0-9]+$ ]] && ((${server_version%%.*} < 11)) && key_count=indnatts
            local tables="SELECT c.oid, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $s AND c.relname IN ($list) AND c.relkind IN ('r', 'p')"
            emit "$(sql select_row "'S'" "$(sql present t.relname)" "pg_total_relation_size(t.oid)") FROM ($tables) t"
            emit "$(sql select_row "'U'" "$(sql present t.relname)" "$(sql present a.attname)") FROM ($tables) t JOIN pg_catalog.pg_index i ON i.indrelid = t.oid AND i.indisunique AND i.$key_count = 1 JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]"
            local base="CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END"
            local typmod="CASE WHEN ty.typtype = 'd' THEN ty.typtypmod ELSE a.atttypmod END"
            emit "$(sql select_row "'C'" "$(sql present t.relname)" "ROW_NUMBER() OVER (PARTITION BY t.oid ORDER BY a.attnum)" "$(sql present a.attname)" \
                "CASE WHEN bt.typcategory = 'A' THEN 'array' WHEN bt.typtype = 'e' THEN 'enum' ELSE bt.typname END" \
                "CASE WHEN bt.typname IN ('varchar', 'bpchar') AND $typmod >= 4 THEN $typmod - 4 WHEN bt.typtype = 'e' THEN (SELECT MAX(LENGTH(e.enumlabel)) FROM pg_catalog.pg_enum e WHERE e.enumtypid = bt.oid) END" \
                "CASE WHEN bt.typname = 'numeric' AND $typmod >= 4 THEN (($typmod - 4) >> 16) & 65535 END" \
                "CASE WHEN bt.typname = 'numeric' AND $typmod >= 4 THEN ($typmod - 4) & 65535 END" \
                "CASE WHEN a.attnotnull THEN 0 ELSE 1 END" \
                "CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_index p WHERE p.indrelid = t.oid AND p.indisprimary AND a.attnum = ANY (p.indkey)) THEN 1 ELSE 0 END") FROM ($tables) t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid JOIN pg_catalog.pg_type bt ON bt.oid = $base ORDER BY t.relname, a.attnum"
            ;;
        mssql)
            local tables="SELECT t.object_id, t.name FROM sys.tables t JOIN sys.schemas sc ON sc.schema_id = t.schema_id WHERE sc.name = $s AND t.name IN ($list)"
            emit "$(sql select_row "'S'" "$(sql present t.name)" "SUM(CAST(a.total_pages AS BIGINT)) * 8192") FROM ($tables) t JOIN sys.partitions p ON p.object_id = t.object_id JOIN sys.allocation_units a ON a.container_id = p.partition_id GROUP BY t.name"
            emit "$(sql select_row "'U'" "$(sql present t.name)" "$(sql present "MIN(c.name)")") FROM ($tables) t JOIN sys.indexes i ON i.object_id = t.object_id AND i.is_unique = 1 JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 0 JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id GROUP BY t.name, i.index_id HAVING COUNT(*) = 1"
            emit "$(sql select_row "'C'" "$(sql present c.TABLE_NAME)" c.ORDINAL_POSITION "$(sql present c.COLUMN_NAME)" "LOWER(c.DATA_TYPE)" c.CHARACTER_MAXIMUM_LENGTH c.NUMERIC_PRECISION c.NUMERIC_SCALE \
                "CASE WHEN c.IS_NULLABLE = 'YES' THEN 1 ELSE 0 END" \
                "CASE WHEN EXISTS (SELECT 1 FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS tc JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE k ON k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME AND k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA WHERE tc.CONSTRAINT_TYPE = 'PRIMARY KEY' AND tc.TABLE_SCHEMA = c.TABLE_SCHEMA AND tc.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = c.COLUMN_NAME) THEN 1 ELSE 0 END") FROM INFORMATION_SCHEMA.COLUMNS c WHERE c.TABLE_SCHEMA = $s AND c.TABLE_NAME IN ($list) ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION"
            ;;
    esac
}

# The value counts of one table: for each countable column its `keep` most frequent values
# (PostgreSQL/MSSQL: GROUPING SETS, one scan per chunk of columns; MySQL: one GROUP BY per
# column), and for a declared-unique column its first values in its own order.
# Fills `queries` (the aggregate first) from the col_* arrays.
table_queries() {
    local table=$1 source i ref text_ref keep=$TOP_VALUES limit
    qualified "$table"
    source=$REPLY
    queries=()
    for i in "${!col_name[@]}"; do
        limit=${sample_limit_of["${table,,}"$'\t'"${col_name[i],,}"]:-$default_limit}
        col_limit[i]=$limit
        ((limit > keep)) && keep=$limit
    done
    # One more than needed: the sample skips blank values (as the Python profiler fetches).
    keep=$((keep + 1))
    local -a aggregate=("'A'" "COUNT(*)")
    local empty zero zero_date low high average longest
    for i in "${!col_name[@]}"; do
        ident "${col_name[i]}"
        ref=$REPLY
        text_ref=$ref
        if [[ ${col_cast[i]} == 1 ]]; then
            as_text "$ref"
            text_ref=$REPLY
        fi
        aggregate+=("COUNT($ref)")
        [[ $basic == true ]] && continue
        empty=NULL zero=NULL zero_date=NULL low=NULL high=NULL average=NULL longest=NULL
        case ${col_kind[i]} in
            text)
                char_length "$text_ref"
                if [[ $engine == mssql ]]; then
                    empty="COUNT(CASE WHEN DATALENGTH($ref) = 0 THEN 1 END)"
                    average="CAST(AVG(CAST(LEN($ref) AS FLOAT)) AS DECIMAL(38, 6))"
                else
                    empty="COUNT(CASE WHEN $REPLY = 0 THEN 1 END)"
                    average="AVG($REPLY)"
                fi
                longest="MAX($REPLY)"
                ;;
            number) zero="COUNT(CASE WHEN $ref = 0 THEN 1 END)" ;;
        esac
        if [[ $engine == mysql && ${col_dated[i]} == 1 ]]; then
            zero_date="COUNT(CASE WHEN CAST($ref AS CHAR) LIKE '0000-00-00%' THEN 1 END)"
        fi
        if [[ ${col_kind[i]} == text || ${col_kind[i]} == number || ${col_kind[i]} == temporal ]]; then
            as_text "MIN($ref)"
            present "$REPLY"
            low=$REPLY
            as_text "MAX($ref)"
            present "$REPLY"
            high=$REPLY
        fi
        aggregate+=("$empty" "$zero" "$zero_date" "$low" "$high" "$average" "$longest")
    done
    select_row "${aggregate[@]}"
    statement "$REPLY FROM $source"
    queries+=("$REPLY")
    grouped_queries=0
    [[ $basic == true ]] && return 0
    local -a grouped=() unique=()
    for i in "${!col_name[@]}"; do
        [[ ${col_kind[i]} == other ]] && continue
        if [[ ${col_unique[i]} == 1 ]]; then unique+=("$i"); else grouped+=("$i"); fi
    done
    local value ranked shown
    clipped val
    present "$REPLY"
    shown=$REPLY
    if [[ $engine == mysql ]]; then
        for i in "${grouped[@]}"; do
            ident "${col_name[i]}"
            ref=$REPLY
            as_text "$ref"
            ranked="SELECT val, cnt, COUNT(*) OVER () AS ndistinct, ROW_NUMBER() OVER (ORDER BY cnt DESC, val) AS rn FROM (SELECT $REPLY AS val, COUNT(*) AS cnt FROM $source WHERE $ref IS NOT NULL GROUP BY $ref) g"
            select_row "'V'" "$i" rn cnt ndistinct "$shown"
            statement "$REPLY FROM ($ranked) r WHERE rn <= $keep"
            queries+=("$REPLY")
        done
    else
        # As many chunks as sessions keeps both busy; at most 31 columns a chunk.
        local size=$(((${#grouped[@]} + PARALLEL - 1) / PARALLEL)) start count j grouping
        ((size > CHUNK_COLUMNS)) && size=$CHUNK_COLUMNS
        ((size < 1)) && size=1
        grouping=GROUPING
        [[ $engine == mssql ]] && grouping=GROUPING_ID
        for ((start = 0; start < ${#grouped[@]}; start += size)); do
            local -a chunk=("${grouped[@]:start:size}") refs=() texts=() sets=()
            local column_of="CASE gid"
            count=${#chunk[@]}
            for ((j = 0; j < count; j++)); do
                ident "${col_name[chunk[j]]}"
                ref=$REPLY
                refs+=("$ref")
                as_text "$ref"
                texts+=("$REPLY")
                sets+=("($ref)")
                column_of+=" WHEN $(((1 << count) - 1 - (1 << (count - 1 - j)))) THEN ${chunk[j]}"
            done
            column_of+=" END"
            # Within the set of one column every other is NULL, so COALESCE yields that one.
            value=${texts[0]}
            if ((count > 1)); then
                join_by ', ' "${texts[@]}"
                value="COALESCE($REPLY)"
            fi
            join_by ', ' "${refs[@]}"
            local grouped_sql="SELECT $grouping($REPLY) AS gid, $value AS val, COUNT(*) AS cnt FROM $source"
            join_by ', ' "${sets[@]}"
            grouped_sql+=" GROUP BY GROUPING SETS ($REPLY)"
            ranked="SELECT gid, val, cnt, COUNT(*) OVER (PARTITION BY gid) AS ndistinct, ROW_NUMBER() OVER (PARTITION BY gid ORDER BY cnt DESC, val) AS rn FROM ($grouped_sql) g WHERE val IS NOT NULL"
            select_row "'V'" "$column_of" rn cnt ndistinct "$shown"
            statement "$REPLY FROM ($ranked) r WHERE rn <= $keep"
            queries+=("$REPLY")
        done
    fi
    grouped_queries=$((${#queries[@]} - 1))
    local first
    for i in "${unique[@]}"; do
        # A declared-unique column needs no GROUP BY: each value occurs once, the first few do.
        ident "${col_name[i]}"
        ref=$REPLY
        as_text "$ref"
        clipped "$REPLY"
        present "$REPLY"
        select_row "'U'" "$i" "$REPLY"
        first="SELECT $REPLY FROM $source WHERE $ref IS NOT NULL ORDER BY $ref"
        case $engine in
            mssql) queries+=("$first OFFSET 0 ROWS FETCH NEXT $keep ROWS ONLY;") ;;
            postgresql) queries+=("COPY ($first LIMIT $keep) TO STDOUT;") ;;
            *) queries+=("$first LIMIT $keep;") ;;
        esac
    done
}

join_by() {
    local separator=$1 part
    REPLY=$2
    shift 2
    for part in "$@"; do
        REPLY+="$separator$part"
    done
}

# load_columns FILE: the col_* arrays from a table's column file (see AWK_METADATA).
load_columns() {
    col_name=() col_kind=() col_dated=() col_unique=() col_cast=() col_limit=()
    local i name kind dated unique cast
    while IFS=$'\t' read -r i name kind dated _ _ _ unique cast; do
        col_name[i]=${name//\\\\/\\}
        col_kind[i]=$kind
        col_dated[i]=$dated
        col_unique[i]=$unique
        col_cast[i]=$cast
    done <"$1"
}
declare -a col_name=() col_kind=() col_dated=() col_unique=() col_cast=() col_limit=() queries=()
grouped_queries=0

# --- awk programs (run with LC_ALL=C: bytes, the same in gawk, mawk and BSD awk) ----------------
# Values move between them as "cells" lines: tab-separated, with \\, \t, \n and \r escaped.

AWK_COMMON=$(
    cat <<'AWK'
function unesc(s,    out, p, c) {
    if (index(s, "\\") == 0) return s
    out = ""
    while ((p = index(s, "\\")) > 0) {
        c = substr(s, p + 1, 1)
        if (c == "n") c = "\n"; else if (c == "t") c = "\t"; else if (c == "r") c = "\r"
        else if (c == "0") c = ""; else if (c == "b") c = "\b"; else if (c == "f") c = "\f"
        else if (c == "v") c = "\v"
        out = out substr(s, 1, p - 1) c
        s = substr(s, p + 2)
    }
    return out s
}
function esc(s) {
    if (s !~ /[\\\t\n\r]/) return s
    gsub(/\\/, "\\\\\\\\", s); gsub(/\t/, "\\t", s); gsub(/\n/, "\\n", s); gsub(/\r/, "\\r", s)
    return s
}
# A field of the client's output: NULL (MySQL batch) or \N (COPY, T-SQL lines) is missing.
function missing(f) { return f == "NULL" || f == "\\N" }
function value(f) { return substr(f, 1, 1) == "." ? unesc(substr(f, 2)) : f }
AWK
)

# Per chosen table K (the line number in the tables file): K.cols and K.size.
AWK_METADATA=$(
    cat <<'AWK'
function kind_of(t) {
    if (engine == "mysql") {
        if (t ~ /^(char|varchar|tinytext|text|mediumtext|longtext|enum|set)$/) return "text"
        if (t ~ /^(tinyint|smallint|mediumint|int|integer|bigint|decimal|numeric)$/) return "number"
        if (t ~ /^(date|datetime|timestamp|time)$/) return "temporal"
        return "other"
    }
    if (engine == "postgresql") {
        if (t ~ /^(varchar|bpchar|text|name|char|citext|enum)$/) return "text"
        if (t ~ /^(int2|int4|int8|numeric)$/) return "number"
        if (t == "bool") return "boolean"
        if (t ~ /^(date|timestamp|timestamptz|time|timetz)$/) return "temporal"
        return "other"
    }
    if (t ~ /^(char|varchar|nchar|nvarchar)$/) return "text"
    if (t ~ /^(tinyint|smallint|int|bigint|decimal|numeric|money|smallmoney)$/) return "number"
    if (t == "bit") return "boolean"
    if (t ~ /^(date|datetime|datetime2|smalldatetime|datetimeoffset|time)$/) return "temporal"
    return "other"
}
function dated_of(t) {
    if (engine == "mysql") return t ~ /^(date|datetime|timestamp)$/
    if (engine == "postgresql") return t ~ /^(date|timestamp|timestamptz)$/
    return t ~ /^(date|datetime|datetime2|smalldatetime|datetimeoffset)$/
}
# The type as SQLAlchemy spells it (what the Python profiler's data_type column holds).
function display_of(t, len, precision, scale) {
    if (engine == "postgresql") {
        if (t == "varchar" || t == "enum") return len != "" ? "VARCHAR(" len ")" : "VARCHAR"
        if (t == "bpchar") return len != "" ? "CHAR(" len ")" : "CHAR"
        if (t == "numeric") return precision != "" ? "NUMERIC(" precision ", " scale ")" : "NUMERIC"
        if (t == "int2") return "SMALLINT"
        if (t == "int4") return "INTEGER"
        if (t == "int8") return "BIGINT"
        if (t == "float4") return "REAL"
        if (t == "float8") return "DOUBLE PRECISION"
        if (t == "bool") return "BOOLEAN"
        if (t == "timestamptz") return "TIMESTAMP"
        if (t == "timetz") return "TIME"
        if (t == "name" || t == "char") return "VARCHAR"
        return toupper(t)
    }
    if (engine == "mssql" && t ~ /^(char|varchar|nchar|nvarchar|binary|varbinary)$/)
        return toupper(t) "(" (len == "-1" ? "max" : len) ")"
    if (t ~ /^(char|varchar|binary|varbinary)$/ && len != "") return toupper(t) "(" len ")"
    if (t == "decimal" || t == "numeric") return toupper(t) "(" precision ", " scale ")"
    if (t == "int") return "INTEGER"
    return toupper(t)
}
FNR == NR { chosen[$0] = NR; next }
$1 == "S" { table = value($2); if (table in chosen) print (missing($3) ? "" : $3) > (dir "/" chosen[table] ".size"); next }
$1 == "U" { unique[value($2) SUBSEP value($3)] = 1; next }
$1 == "C" {
    table = value($2)
    if (!(table in chosen)) next
    k = chosen[table]
    if (k != open) { if (open != "") close(file); open = k; file = dir "/" k ".cols"; index_in = 0 }
    column = value($4); t = $5
    len = missing($6) ? "" : $6; precision = missing($7) ? "" : $7; scale = missing($8) ? "" : $8
    kind = kind_of(t); dated = dated_of(t) ? 1 : 0
    dated_columns += dated && kind == "temporal"
    cast = (engine == "postgresql" && t ~ /^(enum|name|char|citext)$/) ? 1 : 0
    printf "%d\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d\n", index_in++, esc(column), kind, dated, \
        esc(display_of(t, len, precision, scale)), $9, $10, \
        ((table SUBSEP column) in unique) ? 1 : 0, cast > file
}
END { print dated_columns + 0 }
AWK
)

# One table's client output → its cells lines, in the columns of data_profile.csv.
AWK_PROFILE=$(
    cat <<'AWK'
function blank(s) {
    # Python's str.strip() whitespace, as bytes of UTF-8.
    gsub(/[ \t\n\r\f\v\034\035\036\037]/, "", s)
    gsub(/\302\205|\302\240|\341\232\200|\342\200[\200-\212]|\342\200\250|\342\200\251|\342\200\257|\342\201\237|\343\200\200/, "", s)
    return s == ""
}
function pct(count) { return count == "" ? "" : sprintf("%.2f", 100 * count / rows) }
FNR == NR {
    i = $1; name[i] = unesc($2); kind[i] = $3; dated[i] = $4; type[i] = unesc($5)
    nullable[i] = $6; pk[i] = $7; uniq[i] = $8; columns = i + 1; keys += $7
    next
}
$1 == "A" {
    rows = $2
    for (i = 0; i < columns; i++) {
        # Every cell set, even empty: gawk passes an unset element to a function as untyped.
        empty[i] = zero[i] = zdate[i] = low[i] = high[i] = avg[i] = longest[i] = ""
        if (!deep) { nn[i] = $(3 + i); continue }
        b = 3 + i * 8
        nn[i] = $b
        empty[i] = missing($(b + 1)) ? "" : $(b + 1)
        zero[i] = missing($(b + 2)) ? "" : $(b + 2)
        zdate[i] = missing($(b + 3)) ? "" : $(b + 3)
        low[i] = missing($(b + 4)) ? "" : value($(b + 4))
        high[i] = missing($(b + 5)) ? "" : value($(b + 5))
        avg[i] = missing($(b + 6)) ? "" : sprintf("%.2f", $(b + 6))
        longest[i] = missing($(b + 7)) ? "" : $(b + 7)
    }
    next
}
$1 == "V" { i = $2; r = $3; val[i, r] = value($6); cnt[i, r] = $4; nd[i] = $5; if (r > nv[i]) nv[i] = r; next }
$1 == "U" { i = $2; r = ++nv[i]; val[i, r] = value($3); cnt[i, r] = 1; next }
END {
    split(limits, limit, ",")
    size_mb = size == "" ? "" : sprintf("%.2f", size / 1048576)
    for (i = 0; i < columns; i++) {
        nulls = rows - nn[i]
        distinct = ""
        if (deep && kind[i] != "other") distinct = uniq[i] ? rows - nulls : nd[i] + 0
        top = ""; samples = ""; kept = 0
        for (r = 1; r <= nv[i]; r++) {
            if (r <= 5) top = top (r > 1 ? " | " : "") val[i, r] " (" cnt[i, r] ")"
            if (kept < limit[i + 1] && val[i, r] != "" && !blank(val[i, r])) {
                samples = samples (kept++ ? " | " : "") val[i, r]
            }
        }
        valid = ""; nul = ""; emp = ""; zer = ""; score = ""
        if (rows > 0) {
            not_valid = nulls + (empty[i] == "" ? 0 : empty[i]) + (zero[i] == "" ? 0 : zero[i])
            valid = sprintf("%.2f", 100 * (rows - not_valid > 0 ? rows - not_valid : 0) / rows)
            nul = pct(nulls); emp = pct(empty[i]); zer = pct(zero[i])
            missing_ = nulls + (empty[i] == "" ? 0 : empty[i])
            if (missing_ > rows) missing_ = rows
            completeness = 1 - missing_ / rows
            uniqueness = 1.0
            if (keys == 1 && pk[i] && distinct != "" && rows - nulls > 0) {
                uniqueness = distinct / (rows - nulls)
                if (uniqueness > 1) uniqueness = 1
            }
            score = sprintf("%.1f", 100 * completeness * uniqueness)
        }
        line = esc(datasource) "\t" esc(schema) "\t" esc(table) "\t" rows "\t" size_mb "\t" rows "\tfalse\t" \
            esc(name[i]) "\t" (i + 1) "\t" esc(type[i]) "\t" (nullable[i] ? "true" : "false") "\t" \
            (pk[i] ? "true" : "false") "\t" nulls "\t" empty[i] "\t" zero[i]
        if (zero_dates) line = line "\t" zdate[i]
        line = line "\t" distinct "\t" valid "\t" nul "\t" emp "\t" zer "\t" esc(low[i]) "\t" \
            esc(high[i]) "\t" avg[i] "\t" longest[i] "\t" esc(top) "\t" esc(samples) "\tfalse\t\t" score
        print line
    }
}
AWK
)

# Cells lines → data_profile.csv: the Python csv module's quoting, CRLF, cells Excel would run
# as a formula defused with an apostrophe (services/reports/writer.py).
AWK_CSV=$(
    cat <<'AWK'
function cell(s) {
    s = unesc(s)
    if (s ~ /^[-=+@\t\r]/ && s !~ /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/) s = "'" s
    if (s ~ /[,"\r\n]/) { gsub(/"/, "\"\"", s); s = "\"" s "\"" }
    return s
}
BEGIN { FS = "\t"; printf "\357\273\277%s\r\n", header }
{
    line = cell($1)
    for (f = 2; f <= NF; f++) line = line "," cell($f)
    printf "%s\r\n", line
}
AWK
)

# Masking without the project's Python: identifier columns by name (services/privacy/
# detection.py's words), citizen-ID/e-mail/phone columns by their values, and every 13-digit
# run passing the citizen-ID checksum masked in any value.
AWK_MASK=$(
    cat <<'AWK'
function add_words(kind, list,    n, parts, j) {
    n = split(list, parts, " ")
    for (j = 1; j <= n; j++) token[kind, parts[j]] = 1
}
function set_of(list, into,    n, parts, j) {
    n = split(list, parts, " ")
    for (j = 1; j <= n; j++) into[parts[j]] = 1
}
BEGIN {
    FS = OFS = "\t"
    add_words("cid", "cid citizenid nationalid idcard passport passportno เลขบัตรประชาชน บัตรประชาชน เลขประจำตัวประชาชน เลขที่บัตรประชาชน")
    add_words("hn", "hn pid mrn personid patientid เลขประจำตัวผู้ป่วย")
    add_words("name", "name fname lname mname firstname lastname middlename surname fullname ptname patientname informname spsname spousename fathername mothername couplename fatherlname motherlname ชื่อ นามสกุล ชื่อผู้ป่วย ชื่อสกุล ชื่อจริง ชื่อเต็ม")
    add_words("phone", "tel phone mobile telephone cellphone telno phoneno mobileno hometel informtel worktel officetel mobilephone contacttel เบอร์โทร เบอร์โทรศัพท์ โทรศัพท์ เบอร์มือถือ มือถือ")
    add_words("address", "addr address addrpart moopart road soi street houseno informaddr workaddr homeaddr homeaddress workaddress ที่อยู่ บ้านเลขที่")
    add_words("email", "email mail อีเมล อีเมล์")
    split("citizen id cid|national id cid|id card cid|passport no cid|person id hn|patient id hn|hospital number hn|hospital no hn|patient number hn|patient no hn|first name name|last name name|e mail email", pair_list, "|")
    for (j in pair_list) { split(pair_list[j], p, " "); pair[p[1], p[2]] = p[3] }
    set_of("drug icd ward hosp hospital dept department clinic lab item test unit table file db database schema column field host server computer printer room bed group type province district amphur tambon changwat country nation religion occupation company product service pttype spclty diag procedure operation report items form scheme insurance inscl med medicine stock vaccine", thing)
    set_of("patient person doctor user staff officer employee member relative informant nurse people spouse", person)
    title_count = split("ทันตแพทย์หญิง แพทย์หญิง ทันตแพทย์ นายแพทย์ เด็กหญิง ดอกเตอร์ พระภิกษุ เด็กชาย ท.พ.ญ. นางสาว ทพญ. Mrs. ด.ช. ด.ญ. น.ส. น.พ. พ.ญ. ท.พ. ดช. ดญ. นส. นพ. พญ. ทพ. ดร. Mr. Ms. Dr. นาย นาง พระ", titles, " ")
}
function nchars(s) { gsub(/[\200-\277]/, "", s); return length(s) }
# The last n characters of s (UTF-8), and its first one.
function last_chars(s, n,    i) {
    i = length(s) + 1
    while (n > 0 && i > 1) { i--; if (substr(s, i, 1) !~ /[\200-\277]/) n-- }
    return substr(s, i)
}
function first_char(s,    c) {
    c = substr(s, 1, 1)
    if (c < "\200") return c
    if (c < "\340") return substr(s, 1, 2)
    if (c < "\360") return substr(s, 1, 3)
    return substr(s, 1, 4)
}
function xs(n,    out) { out = ""; while (n-- > 0) out = out "x"; return out }
function strip(s) { gsub(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/, "", s); return s }
function bare(s) { gsub(/[ \t\n\r\f\v().-]/, "", s); return s }
function cid_ok(d,    i, total) {
    if (d !~ /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/) return 0
    total = 0
    for (i = 1; i <= 12; i++) total += substr(d, i, 1) * (14 - i)
    return (11 - total % 11) % 10 == substr(d, 13, 1) + 0
}
function is_cid(v) { return cid_ok(bare(strip(v))) }
function is_email(v) { return v ~ /^[^@ \t\n]+@[^@ \t\n]+\.[^@ \t\n]+$/ }
function is_phone(v) {
    v = bare(v)
    return v ~ /^0[1-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]?$/ || v ~ /^\+66[1-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]?$/
}
function mask_value(kind, v,    d, n, at) {
    if (strip(v) == "") return v
    if (kind == "cid") {
        if (v ~ /^[0-9]-[0-9][0-9][0-9][0-9]-xxxxx-xx-[0-9]$/) return v
        d = bare(strip(v))
        if (d ~ /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/)
            return substr(d, 1, 1) "-" substr(d, 2, 4) "-xxxxx-xx-" substr(d, 13, 1)
        return xs(nchars(v))
    }
    if (kind == "hn") { d = strip(v); n = nchars(d); return n <= 2 ? xs(n) : xs(n - 2) last_chars(d, 2) }
    if (kind == "name") return first_char(strip(v)) "xxx"
    if (kind == "phone") { d = v; gsub(/[^0-9x]/, "", d); n = length(d); return n <= 2 ? xs(n) : xs(n - 2) substr(d, n - 1) }
    if (kind == "address") return "xxx"
    if (kind == "email") {
        d = strip(v); at = 0
        for (n = length(d); n > 0; n--) if (substr(d, n, 1) == "@") { at = n; break }
        return at ? "xxx@" substr(d, at + 1) : "xxx"
    }
    return v
}
# Every checksum-valid citizen ID inside s masked, until nothing changes.
function scrub(s,    out, rest, before, run, changed) {
    do {
        changed = 0; out = ""; rest = s; before = ""
        while (match(rest, /[0-9][- ]?[0-9][0-9][0-9][0-9][- ]?[0-9][0-9][0-9][0-9][0-9][- ]?[0-9][0-9][- ]?[0-9]/)) {
            run = substr(rest, RSTART, RLENGTH)
            prev = RSTART > 1 ? substr(rest, RSTART - 1, 1) : substr(before, length(before), 1)
            next_ = substr(rest, RSTART + RLENGTH, 1)
            if (prev ~ /[0-9]/ || next_ ~ /[0-9]/ || !is_cid(run)) {
                out = out substr(rest, 1, RSTART); before = out; rest = substr(rest, RSTART + 1)
                continue
            }
            out = out substr(rest, 1, RSTART - 1) mask_value("cid", run); before = out
            rest = substr(rest, RSTART + RLENGTH); changed = 1
        }
        s = out rest
    } while (changed)
    return s
}
function column_words(name, into,    i, c, prev, s) {
    s = ""; prev = ""
    for (i = 1; i <= length(name); i++) {
        c = substr(name, i, 1)
        if (c ~ /[A-Z]/ && prev ~ /[a-z0-9]/) s = s " "
        s = s c; prev = c
    }
    gsub(/[^0-9A-Za-z\200-\377]+/, " ", s)
    return split(tolower(s), into, " ")
}
function has(listed, w,    item) {
    if (w in listed) return 1
    for (item in listed)
        if (length(item) >= 4 && (index(w, item) == 1 || (length(w) >= length(item) && substr(w, length(w) - length(item) + 1) == item))) return 1
    return 0
}
function thing_table(table,    tw, n, j) {
    n = column_words(table, tw)
    for (j = 1; j <= n; j++) if (has(person, tw[j])) return 0
    for (j = 1; j <= n; j++) if (has(thing, tw[j])) return 1
    return 0
}
function share(test,    j, hits) {
    if (nvalues == 0) return 0
    hits = 0
    for (j = 1; j <= nvalues; j++) {
        if (test == "cid") hits += is_cid(values[j])
        else if (test == "email") hits += is_email(values[j])
        else if (test == "phone") hits += is_phone(values[j])
        else if (test == "titled") hits += titled(values[j])
        else if (test == "person") hits += given_and_family(values[j])
    }
    return hits / nvalues
}
function titled(v,    j) {
    for (j = 1; j <= title_count; j++) if (index(v, titles[j]) == 1) return 1
    return 0
}
function given_and_family(v,    j, n, parts) {
    for (j = 1; j <= title_count; j++) if (index(v, titles[j]) == 1) { v = substr(v, length(titles[j]) + 1); break }
    n = split(v, parts, " ")
    if (n < 2 || n > 4) return 0
    for (j = 1; j <= n; j++) if (parts[j] !~ /^[A-Za-z\200-\377][A-Za-z\200-\377'.-]*$/) return 0
    return 1
}
function names_people(word, words, n, table,    j) {
    for (j = 1; j <= n; j++) if (words[j] in thing) return 0
    if (word != "name") return 1
    if (nvalues && share("titled") >= 0.5) return 1
    if (thing_table(table)) return 0
    if (nvalues) return share("person") >= 0.5
    return 1
}
function kind_of(column, table,    words, n, j, k, by_name, by_values) {
    n = column_words(column, words); by_name = ""
    for (k = 1; k <= 6 && by_name == ""; k++) {
        kind = k == 1 ? "cid" : k == 2 ? "hn" : k == 3 ? "name" : k == 4 ? "phone" : k == 5 ? "address" : "email"
        for (j = 1; j <= n; j++)
            if ((kind, words[j]) in token && (kind != "name" || names_people(words[j], words, n, table))) { by_name = kind; break }
    }
    for (j = 1; j < n && by_name == ""; j++)
        if ((words[j], words[j + 1]) in pair) {
            kind = pair[words[j], words[j + 1]]
            if (kind != "name" || names_people(words[j] words[j + 1], words, n, table)) by_name = kind
        }
    by_values = ""
    if (nvalues && share("cid") >= 0.9) by_values = "cid"
    else if (nvalues && share("email") >= 0.9) by_values = "email"
    else if (nvalues && share("phone") >= 0.9) by_values = "phone"
    if (by_values == "cid" && (by_name == "" || by_name == "hn")) return "cid"
    return by_name != "" ? by_name : by_values
}
function masked(v,    m) {
    m = column_kind != "" ? mask_value(column_kind, v) : v
    if (!bare_ids && strip(m) ~ /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/) return m
    return scrub(m)
}
function mask_list(cell, with_counts,    n, parts, j, out, v, count) {
    if (cell == "") return cell
    n = split(cell, parts, / \| /); out = ""
    for (j = 1; j <= n; j++) {
        v = parts[j]; count = ""
        if (with_counts && match(v, / \([0-9,]+\)$/)) { count = substr(v, RSTART); v = substr(v, 1, RSTART - 1) }
        out = out (j > 1 ? " | " : "") masked(v) count
    }
    return out
}
function evidence(cell, with_counts,    n, parts, j, v) {
    if (cell == "") return
    n = split(cell, parts, / \| /)
    for (j = 1; j <= n; j++) {
        v = parts[j]
        if (with_counts && match(v, / \([0-9,]+\)$/)) v = substr(v, 1, RSTART - 1)
        v = strip(v)
        if (v != "") values[++nvalues] = v
    }
}
{
    for (f = 1; f <= NF; f++) $f = unesc($f)
    nvalues = 0; split("", values)
    evidence($f_samples, 0); evidence($f_top, 1)
    column_kind = kind_of($f_column, $f_table)
    numbers = 0; passing = 0
    for (j = 1; j <= nvalues; j++)
        if (values[j] ~ /^[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]$/) { numbers++; passing += cid_ok(values[j]) }
    bare_ids = !(column_kind != "cid" && numbers > 0 && passing / numbers < 0.5)
    before = $f_samples SUBSEP $f_top SUBSEP $f_min SUBSEP $f_max
    $f_samples = mask_list($f_samples, 0); $f_top = mask_list($f_top, 1)
    if ($f_min != "") $f_min = masked($f_min)
    if ($f_max != "") $f_max = masked($f_max)
    if (column_kind == "" && before != $f_samples SUBSEP $f_top SUBSEP $f_min SUBSEP $f_max) column_kind = "cid"
    if (column_kind != "") { $f_kind = column_kind; $f_masked = "true" }
    for (f = 1; f <= NF; f++) $f = esc($f)
    print
}
AWK
)

# Cells lines → a plain, self-contained HTML table (when the project's Python is not here).
AWK_HTML=$(
    cat <<'AWK'
function html(s) {
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s)
    gsub(/'/, "\\&#39;", s)
    return s
}
BEGIN {
    FS = "\t"
    n = split(header, names, ",")
    print "<!DOCTYPE html>"
    print "<html lang=\"en\"><head><meta charset=\"utf-8\">"
    print "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    print "<title>Data profile · " html(datasource) "</title>"
    print "<style>body{font:13px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    print "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}"
    print "th{background:#f0f3f7;position:sticky;top:0}td{max-width:28em;overflow-wrap:anywhere}"
    print ".warn{background:#fff1d6;border:1px solid #e0a800;padding:.6em;margin:.8em 0}.meta span{margin-right:1.5em}</style>"
    print "</head><body>"
    print "<h1>Data profile · " html(datasource) "</h1>"
    print "<div class=\"meta\"><span>" html(engine " " version) "</span><span>" html(mode) " mode</span><span>started " html(started) "</span></div>"
    if (masked != "true")
        print "<div class=\"warn\"><strong>This report is not masked.</strong> It shows citizen IDs, names, phone numbers and addresses as stored: handle it as patient data.</div>"
    else
        print "<p>Personal identifiers are masked (identifier columns by name, citizen IDs by their checksum).</p>"
    print "<table><thead><tr>"
    for (f = 1; f <= n; f++) printf "<th>%s</th>", html(names[f])
    print "</tr></thead><tbody>"
}
{
    printf "<tr>"
    for (f = 1; f <= NF; f++) printf "<td>%s</td>", html(unesc($f))
    print "</tr>"
}
END {
    print "</tbody></table>"
    print "<p>HIS Analyzer data profile of " html(datasource) ", written by the Bash analyzer. This file works offline and loads nothing from the network.</p>"
    print "</body></html>"
}
AWK
)

# MSSQL has no schema dump client: CREATE TABLE statements from the catalog's columns.
AWK_MSSQL_DDL=$(
    cat <<'AWK'
function q(s) { gsub(/]/, "]]", s); return "[" s "]" }
function flush() {
    if (table == "") return
    if (keys != "") body = body ",\n  CONSTRAINT " q("PK_" table) " PRIMARY KEY (" keys ")"
    printf "CREATE TABLE %s.%s (\n%s\n);\n\n", q(schema), q(table), body
}
BEGIN {
    FS = "\t"
    n = split(files, list, "\n"); split(names, table_names, "\n")
    for (j = 1; j <= n; j++) tables[list[j]] = table_names[j]
}
FNR == 1 { flush(); table = tables[FILENAME]; keys = ""; body = "" }
{
    body = body (FNR > 1 ? ",\n" : "") "  " q(unesc($2)) " " unesc($5) ($6 ? " NULL" : " NOT NULL")
    if ($7) keys = keys (keys == "" ? "" : ", ") q(unesc($2))
}
END { flush() }
AWK
)

# --- the run ----------------------------------------------------------------------------------

readonly HEADER_BEFORE_ZERO_DATES="datasource,schema,table,table_rows,table_size_mb,rows_profiled,sampled,column,position,data_type,nullable,primary_key,null_count,empty_count,zero_count"
readonly HEADER_AFTER_ZERO_DATES="distinct_count,valid_pct,null_pct,empty_pct,zero_pct,min_value,max_value,avg_length,max_length,top_5_values,sample_values,masked,phi_kind,quality_score"

# Connect, read the server's version, check the schema and list its tables.
connect_and_list() {
    local started
    micros
    started=$REPLY
    catalog_sql >"$work/catalog.sql"
    if ! run_sql "$work/catalog.sql" "$work/catalog.out" "$work/catalog.err"; then
        local who="database '$db_name'"
        [[ -z $db_user ]] || who+=", user '$db_user'"
        die 1 "cannot connect to $engine at $host:$port ($who): $(first_line "$work/catalog.err")"
    fi
    local tag field schema_found=0
    local -A available=()
    while IFS=$'\t' read -r tag field; do
        case $tag in
            V) server_version=$field ;;
            N) schema_found=$field ;;
            T) field=${field#.}; available[${field//\\\\/\\}]=1 ;;
        esac
    done <"$work/catalog.out"
    [[ $schema_found =~ ^[1-9] ]] || die 2 "schema '$schema' does not exist in database '$db_name'"
    log INFO "connected to $engine $server_version at $host:$port, database $db_name, schema $schema" "$started"
    local table
    if ((${#chosen_tables[@]})); then
        for table in "${chosen_tables[@]}"; do
            [[ -n ${available[$table]+set} ]] || die 2 "table '$table' does not exist in schema '$schema'"
        done
    else
        ((${#available[@]})) || die 1 "schema '$schema' of database '$db_name' has no tables"
        mapfile -t chosen_tables < <(printf '%s\n' "${!available[@]}" | LC_ALL=C sort)
    fi
    printf '%s\n' "${chosen_tables[@]}" >"$work/tables"
}

# The chosen tables' columns, keys and sizes: $work/t/K.cols and K.size.
read_metadata() {
    local started
    micros
    started=$REPLY
    metadata_sql >"$work/metadata.sql"
    run_sql "$work/metadata.sql" "$work/metadata.out" "$work/metadata.err" ||
        die 1 "reading the tables' columns failed: $(first_line "$work/metadata.err")"
    mkdir -p "$work/t"
    dated_columns=$(LC_ALL=C awk -F'\t' -v engine="$engine" -v dir="$work/t" \
        "$AWK_COMMON$AWK_METADATA" "$work/tables" "$work/metadata.out")
    log INFO "read the columns of ${#chosen_tables[@]} table(s)" "$started"
}
dated_columns=0

export_ddl() {
    local started ddl_file="$tmp_report/ddl_schema/schema.sql" ok=true
    micros
    started=$REPLY
    mkdir -p "$tmp_report/ddl_schema"
    case $engine in
        mysql)
            if ((${#dump_client[@]})); then
                "${dump_client[@]}" "$db_name" "${chosen_tables[@]}" >"$ddl_file" 2>"$work/ddl.err" || ok=false
            else
                printf 'mysqldump is not installed\n' >"$work/ddl.err"
                ok=false
            fi
            ;;
        postgresql)
            if ((${#dump_client[@]})); then
                local -a only=()
                local table
                for table in "${chosen_tables[@]}"; do
                    only+=(-t "$(sql ident "$schema").$(sql ident "$table")")
                done
                "${dump_client[@]}" "${only[@]}" >"$ddl_file" 2>"$work/ddl.err" || ok=false
            else
                printf 'pg_dump is not installed\n' >"$work/ddl.err"
                ok=false
            fi
            ;;
        mssql)
            local files="" k
            for k in "${!chosen_tables[@]}"; do
                files+="${files:+$'\n'}$work/t/$((k + 1)).cols"
            done
            local -a paths
            mapfile -t paths <<<"$files"
            LC_ALL=C awk -v schema="$schema" -v files="$files" -v names="$(printf '%s\n' "${chosen_tables[@]}")" \
                "$AWK_COMMON$AWK_MSSQL_DDL" "${paths[@]}" >"$ddl_file" 2>"$work/ddl.err" || ok=false
            ;;
    esac
    if [[ $ok == true ]]; then
        log INFO "exported the schema (DDL) of ${#chosen_tables[@]} table(s)" "$started"
    else
        local reason
        reason=$(first_line "$work/ddl.err")
        printf -- '-- The schema could not be exported: %s\n' "$reason" >"$ddl_file"
        log WARN "the schema (DDL) could not be exported: $reason" "$started"
    fi
}

# run_queries TABLE PREFIX: each of `queries` on its own session, PARALLEL at a time, the next
# one starting as soon as one ends (as the Python profiler's thread pool does); PREFIX.M.out.
run_queries() {
    local table=$1 prefix=$2 m running=0
    # The value counts first, the cheaper aggregate and unique-key reads fill in after them:
    # the longest work starts first and the two sessions end close together.
    local -a order=()
    for ((m = 1; m <= grouped_queries; m++)); do order+=("$m"); done
    order+=(0)
    for ((m = grouped_queries + 1; m < ${#queries[@]}; m++)); do order+=("$m"); done
    client_pids=()
    for m in "${order[@]}"; do
        if ((running >= PARALLEL)); then
            wait -n || true
            running=$((running - 1))
        fi
        { session_sql; printf '%s\n' "${queries[m]}"; } >"$prefix.$m.sql"
        (
            # Stopped (Ctrl-C, or another query failed): stop the client with it.
            trap 'kill "$child" 2>/dev/null; exit 143' TERM
            status=0
            client_command "$prefix.$m.sql"
            "${command[@]}" <"$prefix.$m.sql" >"$prefix.$m.out" 2>"$prefix.$m.err" &
            child=$!
            wait "$child" || status=$?
            printf '%s\n' "$status" >"$prefix.$m.rc"
        ) &
        client_pids+=($!)
        running=$((running + 1))
    done
    wait "${client_pids[@]}" || true
    client_pids=()
    local status
    for m in "${!queries[@]}"; do
        status=1
        read -r status <"$prefix.$m.rc" || true
        [[ $status == 0 ]] ||
            die 1 "profiling table '$table' failed: $(first_line "$prefix.$m.err")"
    done
}

profile_tables() {
    local k table total=${#chosen_tables[@]} started size limits rows
    local deep=1
    [[ $basic == true ]] && deep=0
    local zero_dates=0
    [[ $engine == mysql && $deep == 1 && $dated_columns -gt 0 ]] && zero_dates=1
    header=$HEADER_BEFORE_ZERO_DATES
    ((zero_dates)) && header+=",zero_dates"
    header+=",$HEADER_AFTER_ZERO_DATES"
    : >"$work/cells"
    mkdir -p "$work/q"
    for k in "${!chosen_tables[@]}"; do
        table=${chosen_tables[k]}
        micros
        started=$REPLY
        load_columns "$work/t/$((k + 1)).cols"
        table_queries "$table"
        run_queries "$table" "$work/q/$k"
        local -a outputs=("$work/q/$k".*.out)
        size=""
        [[ -f $work/t/$((k + 1)).size ]] && read -r size <"$work/t/$((k + 1)).size"
        printf -v limits '%s,' "${col_limit[@]}"
        LC_ALL=C awk -F'\t' -v deep="$deep" -v zero_dates="$zero_dates" -v datasource="$db_name" \
            -v schema="$schema" -v table="$table" -v size="$size" -v limits="$limits" \
            "$AWK_COMMON$AWK_PROFILE" "$work/t/$((k + 1)).cols" "${outputs[@]}" >>"$work/cells"
        IFS=$'\t' read -r _ rows _ <"$work/q/$k.0.out" || rows=0
        log INFO "table $table profiled ($((k + 1))/$total): $rows rows, ${#col_name[@]} columns" "$started"
    done
}

# The project's CLI, when this script runs from its repository or it is installed.
find_bridge() {
    if [[ -n ${HIS_ANALYZER_CLI+set} ]]; then
        [[ $HIS_ANALYZER_CLI == none ]] || printf '%s' "$HIS_ANALYZER_CLI"
    elif [[ -x $SCRIPT_DIR/../.venv/bin/his-analyzer ]]; then
        printf '%s' "$SCRIPT_DIR/../.venv/bin/his-analyzer"
    else
        command -v his-analyzer || true
    fi
}

write_outputs() {
    local started bridge csv="$tmp_report/data_profile/data_profile.csv"
    micros
    started=$REPLY
    mkdir -p "$tmp_report/data_profile"
    bridge=$(find_bridge)
    local cells="$work/cells" mode=deep
    [[ $basic == true ]] && mode=basic
    if [[ -n $bridge ]]; then
        LC_ALL=C awk -v header="$header" "$AWK_COMMON$AWK_CSV" "$cells" >"$csv"
        log INFO "wrote data_profile.csv" "$started"
        micros
        started=$REPLY
        cp "$log_file" "$tmp_report/process.log"
        local tz
        tz=$(date +%z)
        local -a finish=("$bridge" report finish "$tmp_report" --engine "$engine"
            --server-version "$server_version" --started-at "$started_iso${tz:0:3}:${tz:3}")
        [[ $mask == true ]] || finish+=(--no-mask)
        [[ $basic == true ]] && finish+=(--basic)
        if "${finish[@]}" >"$work/bridge.out" 2>"$work/bridge.err"; then
            if [[ $mask == true ]]; then
                log INFO "masked identifiers and wrote data_profile.html with the project's report writer" "$started"
            else
                log INFO "wrote data_profile.html with the project's report writer (NOT masked)" "$started"
            fi
            return 0
        fi
        log WARN "the project's report writer failed ($(first_line "$work/bridge.err")); the Bash analyzer writes the report itself" "$started"
        micros
        started=$REPLY
    fi
    if [[ $mask == true ]]; then
        local -a names
        IFS=, read -r -a names <<<"$header"
        local -A at=()
        local f
        for f in "${!names[@]}"; do at[${names[f]}]=$((f + 1)); done
        LC_ALL=C awk -v f_table="${at[table]}" -v f_column="${at[column]}" -v f_min="${at[min_value]}" \
            -v f_max="${at[max_value]}" -v f_top="${at[top_5_values]}" -v f_samples="${at[sample_values]}" \
            -v f_masked="${at[masked]}" -v f_kind="${at[phi_kind]}" \
            "$AWK_COMMON$AWK_MASK" "$work/cells" >"$work/cells.masked"
        cells="$work/cells.masked"
    fi
    LC_ALL=C awk -v header="$header" "$AWK_COMMON$AWK_CSV" "$cells" >"$csv"
    LC_ALL=C awk -v header="$header" -v datasource="$db_name" -v engine="$engine" -v version="$server_version" \
        -v mode="$mode" -v started="${started_iso/T/ }" -v masked="$mask" \
        "$AWK_COMMON$AWK_HTML" "$cells" >"$tmp_report/data_profile/data_profile.html"
    if [[ $mask == true ]]; then
        log INFO "masked identifiers (awk) and wrote data_profile.csv and a plain data_profile.html" "$started"
    else
        log INFO "wrote data_profile.csv and a plain data_profile.html (NOT masked)" "$started"
    fi
}

# Rename the temporary folder to OUT/YYYYMMDD_HHMM (_2, _3… when taken): only a complete
# report ever has a run's name.
publish() {
    local name=$stamp sequence=1 target
    while :; do
        target="$out_dir/$name"
        if [[ ! -e $target ]]; then
            mv -- "$tmp_report" "$target"
            # Another run took the name between the test and the move: it moved inside.
            if [[ -e $target/${tmp_report##*/} ]]; then
                mv -- "$target/${tmp_report##*/}" "$tmp_report"
            else
                break
            fi
        fi
        sequence=$((sequence + 1))
        name="${stamp}_$sequence"
    done
    finished=true
    report_dir=$target
}

print_example_sql() {
    engine=$1
    case $engine in
        mysql | mariadb) engine=mysql; schema=hos ;;
        postgresql | postgres) engine=postgresql; schema=public; server_version=15 ;;
        mssql | sqlserver) engine=mssql; schema=dbo ;;
        *) die 2 "--print-sql: '$1' is not mysql, postgresql or mssql" ;;
    esac
    db_name=hos
    chosen_tables=(ovst patient)
    printf -- '-- catalog\n'
    catalog_sql
    printf -- '-- metadata\n'
    metadata_sql
    # An example table with a column of every kind: a unique key, text, a date, a number, a
    # flag and a column profiled for nulls only.
    col_name=(vn hn vstdate income active photo) col_kind=(text text temporal number boolean other)
    col_dated=(0 0 1 0 0 0) col_unique=(1 0 0 0 0 0) col_cast=(0 0 0 0 0 0) col_limit=()
    local mode
    for mode in false true; do
        basic=$mode
        printf -- '-- profile ovst (basic: %s)\n' "$mode"
        table_queries ovst
        session_sql
        printf '%s\n' "${queries[@]}"
    done
    if [[ $engine == mssql ]]; then
        printf -- '-- ddl\n'
        work=$(mktemp -d "${TMPDIR:-/tmp}/$PROG.XXXXXX")
        printf '0\tvn\ttext\t0\tVARCHAR(13)\t0\t1\t1\t0\n1\thn\ttext\t0\tNVARCHAR(max)\t1\t0\t0\t0\n2\tincome\tnumber\t0\tDECIMAL(12, 2)\t1\t0\t0\t0\n' >"$work/1.cols"
        LC_ALL=C awk -v schema="$schema" -v files="$work/1.cols" -v names=ovst \
            "$AWK_COMMON$AWK_MSSQL_DDL" "$work/1.cols"
    fi
}

main() {
    parse_args "$@"
    if [[ -n $print_sql ]]; then
        print_example_sql "$print_sql"
        return 0
    fi
    require_jq
    read_config
    require_clients
    work=$(mktemp -d "${TMPDIR:-/tmp}/$PROG.XXXXXX")
    log_file="$work/process.log"
    stamp=$(date +%Y%m%d_%H%M)
    started_iso=$(date +%Y-%m-%dT%H:%M:%S)
    local run_started mode=deep
    micros
    run_started=$REPLY
    [[ $basic == true ]] && mode=basic
    log INFO "analysis of $engine database $db_name started ($mode mode, masking $([[ $mask == true ]] && echo on || echo OFF))" "$run_started"
    prepare_connection
    connect_and_list
    read_metadata
    if [[ ! -d $out_dir ]]; then
        mkdir -p -- "$out_dir" || die 2 "cannot create the output folder '$out_dir'"
        created_out=true
    fi
    tmp_report=$(mktemp -d "$out_dir/.$PROG.XXXXXX") || die 2 "cannot write in the output folder '$out_dir'"
    export_ddl
    profile_tables
    write_outputs
    log INFO "analysis finished: ${#chosen_tables[@]} table(s)" "$run_started"
    cp "$log_file" "$tmp_report/process.log"
    publish
    printf 'Report: %s\n' "$report_dir/data_profile/data_profile.html"
    printf 'CSV:    %s\n' "$report_dir/data_profile/data_profile.csv"
    printf 'DDL:    %s\n' "$report_dir/ddl_schema/schema.sql"
}
stamp="" started_iso="" header="" report_dir=""

main "$@"
