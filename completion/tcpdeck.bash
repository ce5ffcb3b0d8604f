# bash completion for tcpdeck                          -*- shell-script -*-
#
# Options, views, formats, columns, states and filter keywords come from
# the tcpdeck being completed (`tcpdeck --list WHAT`, made from the tables
# that parse them), so they cannot drift from it; network namespaces from
# /run/netns; ports in use from tcpdeck's own listen view (without owners,
# so /proc is not read) or ss.  Needs nothing from the bash-completion
# package; installed as $(datadir)/bash-completion/completions/tcpdeck.

# _tcpdeck_list WHAT: tcpdeck --list WHAT, one name a line.
_tcpdeck_list()
{
    local cmd=${COMP_WORDS[0]:-tcpdeck}
    cmd=${cmd/#\~/$HOME}
    command -v -- "$cmd" >/dev/null 2>&1 || cmd=tcpdeck
    "$cmd" --list "$1" 2>/dev/null
}

# _tcpdeck_ports: the local ports of listening sockets, one a line.
_tcpdeck_ports()
{
    local cmd=${COMP_WORDS[0]:-tcpdeck}
    cmd=${cmd/#\~/$HOME}
    command -v -- "$cmd" >/dev/null 2>&1 || cmd=tcpdeck
    {
        "$cmd" -b -n 1 --view listen -H --columns local 2>/dev/null ||
            ss -tlnH 2>/dev/null | awk '{ print $4 }'
    } | sed -n 's/.*:\([0-9][0-9]*\)$/\1/p' | sort -un
}

# _tcpdeck_netns: names of `ip netns` namespaces, then all and pid:.
_tcpdeck_netns()
{
    local f
    for f in /run/netns/*; do
        [ -e "$f" ] && printf '%s\n' "${f##*/}"
    done
    printf '%s\n' all pid:
}

# _tcpdeck_word_value OPTION: the value of a --view-like option given
# earlier on the line (--view X or --view=X), or nothing.
_tcpdeck_word_value()
{
    local i w
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [ "$w" = "$1" ] && [ $((i + 1)) -lt "$COMP_CWORD" ]; then
            printf '%s\n' "${COMP_WORDS[i + 1]}"
        elif [ "${w%%=*}" = "$1" ] && [ "$w" != "$1" ]; then
            printf '%s\n' "${w#*=}"
        fi
    done | tail -n 1
}

_tcpdeck()
{
    local cur prev words_before opt view list done_part
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=""
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}

    # --opt=VALUE in one word (bash splits at = with the default
    # COMP_WORDBREAKS; without it, here).
    if [[ $cur == --*=* ]]; then
        prev=${cur%%=*}
        cur=${cur#*=}
    elif [ "$cur" = "=" ] && [[ $prev == --* ]]; then
        cur=""
    elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ] &&
        [[ ${COMP_WORDS[COMP_CWORD - 2]} == --* ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi

    case $prev in
        -o | --output)
            mapfile -t COMPREPLY < <(compgen -W "$(_tcpdeck_list formats)" -- "$cur")
            return 0 ;;
        --view)
            mapfile -t COMPREPLY < <(compgen -W "$(_tcpdeck_list views)" -- "$cur")
            return 0 ;;
        --theme)
            mapfile -t COMPREPLY < <(compgen -W "$(_tcpdeck_list themes)" -- "$cur")
            return 0 ;;
        --columns)
            view=$(_tcpdeck_word_value --view)
            [ "$view" = listen ] || view=conns
            # A comma list: complete its last name, leave out given ones.
            done_part=""
            [[ $cur == *,* ]] && done_part=${cur%,*},
            list=$(_tcpdeck_list "columns-$view")
            for opt in ${done_part//,/ }; do
                list=$(printf '%s\n' $list | grep -vxF -- "$opt")
            done
            mapfile -t COMPREPLY < <(compgen -P "$done_part" -W "$list" -- "${cur##*,}")
            [ ${#COMPREPLY[@]} -gt 0 ] && compopt -o nospace 2>/dev/null
            return 0 ;;
        -s | --sort)
            view=$(_tcpdeck_word_value --view)
            if [ "$view" = peers ]; then
                list="total $(_tcpdeck_list states)"
            else
                list=$(_tcpdeck_list columns-conns)
                list="$list $(printf '%s:desc ' $list)"
            fi
            mapfile -t COMPREPLY < <(compgen -W "$list" -- "$cur")
            return 0 ;;
        -N | --netns)
            mapfile -t COMPREPLY < <(compgen -W "$(_tcpdeck_netns)" -- "$cur")
            [ "${COMPREPLY[0]:-}" = pid: ] && compopt -o nospace 2>/dev/null
            return 0 ;;
        --who)
            mapfile -t COMPREPLY < <(compgen -W "$(_tcpdeck_ports)" -- "$cur")
            return 0 ;;
        -r | --read | -w | --write | -F | --filter-file | -v | --log | --config | \
            --web-config | --textfile | --summary)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            compopt -o filenames 2>/dev/null
            return 0 ;;
        -n | --count | -d | --delay | --linger | --top | --serve | --list)
            return 0 ;;
    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_tcpdeck_list options)" -- "$cur")
        return 0
    fi

    # The filter: state words after state/exclude, ports after a port
    # comparison, keywords and states elsewhere.
    case $prev in
        state | exclude)
            mapfile -t COMPREPLY < <(compgen -W "$(_tcpdeck_list states)" -- "$cur")
            return 0 ;;
        sport | dport)
            mapfile -t COMPREPLY < <(compgen -W "= != < > <= >= eq neq lt gt le ge" -- "$cur")
            return 0 ;;
        = | == | != | '<' | '>' | '<=' | '>=' | eq | ne | neq | lt | gt | le | ge | leq | geq)
            words_before=""
            [ "$COMP_CWORD" -gt 1 ] && words_before=${COMP_WORDS[COMP_CWORD - 2]}
            if [ "$words_before" = sport ] || [ "$words_before" = dport ]; then
                mapfile -t COMPREPLY < <(compgen -P : -W "$(_tcpdeck_ports)" -- "${cur#:}")
                return 0
            fi ;;
        :)
            # ":" is a word of its own when COMP_WORDBREAKS has it.
            words_before=""
            [ "$COMP_CWORD" -gt 2 ] && words_before=${COMP_WORDS[COMP_CWORD - 3]}
            if [ "$words_before" = sport ] || [ "$words_before" = dport ]; then
                mapfile -t COMPREPLY < <(compgen -W "$(_tcpdeck_ports)" -- "$cur")
                return 0
            fi ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "$(_tcpdeck_list keywords)" -- "$cur")
}

complete -F _tcpdeck tcpdeck
