# bash completion for vigil(1). The options of each subcommand are read from
# its own --help text, so completion never falls behind the program.
_vigil()
{
    local cur prev cmd
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "scan rules evtx logs connections iocs quarantine report version help" -- "$cur"))
        return
    fi
    cmd=${COMP_WORDS[1]}
    case $prev in
        -f|--format) COMPREPLY=($(compgen -W "text jsonl csv html" -- "$cur")); return ;;
        --min-level|--quarantine-level) COMPREPLY=($(compgen -W "info notice warning alert" -- "$cur")); return ;;
        --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
        --yara-grouping) COMPREPLY=($(compgen -W "auto off per-group" -- "$cur")); return ;;
        -j|--threads|--archive-depth|--levels|--max-strings|--max-size|--max-line) return ;;
    esac
    if [ "$COMP_CWORD" -eq 2 ]; then
        case $cmd in
            rules) COMPREPLY=($(compgen -W "list stats" -- "$cur")); return ;;
            evtx) COMPREPLY=($(compgen -W "dump count" -- "$cur")); return ;;
            iocs) COMPREPLY=($(compgen -W "stats convert" -- "$cur")); return ;;
            quarantine) COMPREPLY=($(compgen -W "list show restore export purge" -- "$cur")); return ;;
            report) COMPREPLY=($(compgen -W "merge render" -- "$cur")); return ;;
        esac
    fi
    if [[ $cur == -* ]]; then
        local opts
        opts=$("${COMP_WORDS[0]}" "$cmd" --help 2>&1 | grep -oE -- '(^|[ ,])--?[a-zA-Z0-9][a-zA-Z0-9-]*' | tr -d ' ,' | sort -u)
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _vigil vigil
