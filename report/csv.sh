# CSV columns by header name, for the report scripts and ci/regress-sched (sourced, bash).
# csv_awk is `awk -F,` with a preamble that maps each file's header line to col["name"] (index)
# and get("name") (the field; a column the file lacks stops awk with one line and exit 2).
# Programs still skip each header line themselves (FNR > 1).
CSV_AWK_LIB='
function get(name) {
	if (!(name in col)) {
		if (!csv_missing)
			printf "%s: no column \"%s\" in its header line\n", FILENAME, name >"/dev/stderr"
		csv_missing = 1
		exit 2
	}
	return $(col[name])
}
function has(name) { return name in col }
FNR == 1 { split("", col); for (csv_i = 1; csv_i <= NF; csv_i++) col[$csv_i] = csv_i }
END { if (csv_missing) exit 2 }
'

# csv_awk [-v NAME=VALUE]... PROGRAM [FILE]...
csv_awk() {
	local opts=()
	while [ "${1-}" = -v ]; do
		opts+=(-v "$2")
		shift 2
	done
	awk -F, "${opts[@]}" "$CSV_AWK_LIB$1" "${@:2}"
}

# shares_table COLUMNS FILE: the side-by-side share table of labmerge's shares.csv or
# sweepmerge's shares_by_host.csv, in Markdown: one row per share claim, its theory and each
# column's (run's or host's) mean +- 95 % CI, "no data" where that column has none.
shares_table() {
	local c
	printf '| claim | theory (%%) |'
	for c in $1; do printf ' %s (%%, 95%% CI) |' "$c"; done
	printf '\n|---|---|'
	for c in $1; do printf -- '---|'; done
	echo
	csv_awk -v cols="$1" 'FNR > 1 {
		n = split(cols, r, " "); printf "| %s | %.3f |", get("id"), get("theory")
		for (i = 1; i <= n; i++) printf(get(r[i]) == "" ? " no data |" : " %.3f +- %.3f |", get(r[i]), get(r[i] "_ci95"))
		print ""
	}' "$2"
}
