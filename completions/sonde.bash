# bash completion for sonde: options, their values, probe types and probe
# names (from `sonde -l`), and script files. Installed as
# share/bash-completion/completions/sonde; or `source` it.
#
# Probe names hold colons, which bash splits words at (COMP_WORDBREAKS),
# so the word being completed is read from the line itself, up to the
# cursor, and each reply is cut to the part after the word's last colon.

# the probe types of src/probes/ (tests/check_docs.py keeps this in step)
_sonde_probe_types='BEGIN END asyncwatchpoint bench fentry fexit hardware interval iter kprobe kretprobe profile rawtracepoint self software tc test tracepoint uprobe uretprobe usdt watchpoint xdp'

# COMPREPLY from the words of $1 that start with the current word $cur,
# with the part of $cur up to its last colon taken off each
_sonde_reply()
{
	local IFS=$'\n' w
	local colon_prefix=
	[[ $cur == *:* ]] && colon_prefix=${cur%"${cur##*:}"}
	COMPREPLY=()
	while read -r w; do
		[[ -n $w && $w == "$cur"* ]] && COMPREPLY+=("${w#"$colon_prefix"}")
	done <<<"$1"
}

_sonde_probes()
{
	local sonde=$1
	if [[ $cur != *:* ]]; then
		_sonde_reply "$(printf '%s:\n' $_sonde_probe_types)"
		compopt -o nospace 2>/dev/null
		return
	fi
	_sonde_reply "$("$sonde" -l "$cur*" 2>/dev/null)"
}

_sonde()
{
	local line=${COMP_LINE:0:COMP_POINT}
	local -a words
	read -ra words <<<"$line"
	local cur= prev=
	if [[ $line == *[[:space:]] ]]; then
		prev=${words[${#words[@]}-1]}
	else
		cur=${words[${#words[@]}-1]}
		((${#words[@]} > 1)) && prev=${words[${#words[@]}-2]}
	fi
	local sonde=${COMP_WORDS[0]:-sonde}
	COMPREPLY=()
	case $prev in
	-e)
		return ;; # the script's text
	-f)
		_sonde_reply $'text\njson'
		return ;;
	-B)
		_sonde_reply $'line\nfull\nnone'
		return ;;
	--output-version)
		_sonde_reply $'0.17\n0.26'
		return ;;
	-d | --debug)
		_sonde_reply $'ast\nir\ncodegen\ncodegen-opt\nverifier\nall'
		return ;;
	-o | --output | -w | --capture | --emit-llvm | --emit-elf | --include | --test-run)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-I | --pin)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--map-file)
		# @NAME=FILE: bash splits the word at '=' (COMP_WORDBREAKS), so
		# the reply is the file after it
		[[ $cur == *=* ]] && COMPREPLY=($(compgen -f -- "${cur#*=}"))
		return ;;
	-p | --pid)
		_sonde_reply "$(cd /proc && printf '%s\n' [0-9]*)"
		return ;;
	-c | --cmd)
		COMPREPLY=($(compgen -c -- "$cur"))
		return ;;
	--max-strlen | --ringbuf-size | --map-entries | --mode)
		return ;;
	-l | --list | -lv)
		_sonde_probes "$sonde"
		return ;;
	esac
	if [[ $cur == -* ]]; then
		_sonde_reply "$("$sonde" --help 2>/dev/null |
			grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' | tr -d ' ,' | sort -u)"
		return
	fi
	# after -l, every word is a probe pattern; else a script file
	local w
	for w in "${words[@]:1}"; do
		if [[ $w == -l || $w == --list || $w == -lv ]]; then
			_sonde_probes "$sonde"
			return
		fi
	done
	COMPREPLY=($(compgen -f -- "$cur"))
}

complete -F _sonde sonde
