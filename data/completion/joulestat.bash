# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# bash completion for joulestat: verbs, then each verb's options, read from
# `joulestat --help` and `joulestat VERB --help` so they never fall behind.
_joulestat()
{
	local cur prev verb words cword
	_init_completion || return

	verb=
	local i
	for ((i = 1; i < cword; i++)); do
		if [[ ${words[i]} != -* ]]; then
			verb=${words[i]}
			break
		fi
	done
	if [[ -z $verb ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--help --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$("$1" --help 2>/dev/null |
				awk '/^Verbs:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }')" -- "$cur"))
		fi
		return
	fi
	# After `--`, the command of run and profile.
	for ((i++; i < cword; i++)); do
		if [[ ${words[i]} == -- ]]; then
			_command_offset $((i + 1))
			return
		fi
	done
	case $prev in
	--config | --baseline | --openmetrics-file | -o | --output | --html | --svg | --json-out | --csv | \
		--carbon-intensity-file | --web-config-file)
		_filedir
		return
		;;
	--sysfs-root | --procfs-root | --dev-root | --vm-export | --host-share)
		_filedir -d
		return
		;;
	--group)
		COMPREPLY=($(compgen -W 'comm cgroup unit container user process thread tree vm' -- "$cur"))
		return
		;;
	--idle)
		COMPREPLY=($(compgen -W 'separate proportional baseline' -- "$cur"))
		return
		;;
	--activity)
		COMPREPLY=($(compgen -W 'auto ebpf proc' -- "$cur"))
		return
		;;
	--source)
		local sources='perf powercap msr battery hwmon nvml drm procpower model'
		local prefix=${cur%,*}
		[[ $prefix == "$cur" ]] && prefix= || prefix+=,
		COMPREPLY=($(compgen -W "$sources" -P "$prefix" -- "${cur##*,}"))
		compopt -o nospace 2>/dev/null
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$("$1" "$verb" --help 2>/dev/null |
			grep -oE '(^|[ ,])--?[A-Za-z][-A-Za-z0-9]*' | sed 's/^[ ,]*//' | sort -u)" -- "$cur"))
		return
	fi
	case $verb in
	report | replay) _filedir ;;
	esac
}
complete -F _joulestat joulestat
