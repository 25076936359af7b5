# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_bouncex_global_optspecs
    string join \n format= json color= kb= h/help V/version
end

function __fish_bouncex_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_bouncex_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_bouncex_using_subcommand
    set -l cmd (__fish_bouncex_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c bouncex -n "__fish_bouncex_needs_command" -l format -d 'Output format' -r -f -a "text\t'Readable explanation, fitted to the terminal'
json\t'One JSON document ({"bouncex": "1", ...})'
ndjson\t'One JSON object per line (per finding, or per event for scan)'"
complete -c bouncex -n "__fish_bouncex_needs_command" -l color -d 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it)'
always\t'Always colour text output'
never\t'Never colour'"
complete -c bouncex -n "__fish_bouncex_needs_command" -l kb -d 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset' -r -F
complete -c bouncex -n "__fish_bouncex_needs_command" -l json -d 'Same as --format json'
complete -c bouncex -n "__fish_bouncex_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncex -n "__fish_bouncex_needs_command" -s V -l version -d 'Print version'
complete -c bouncex -n "__fish_bouncex_needs_command" -f -a "explain" -d 'Explain status codes, SMTP replies, log lines or bounce messages'
complete -c bouncex -n "__fish_bouncex_needs_command" -f -a "list" -d 'List the codes the knowledge base knows: enhanced codes, then basic reply codes'
complete -c bouncex -n "__fish_bouncex_needs_command" -f -a "search" -d 'Find codes whose title, meaning, causes or patterns mention all the words'
complete -c bouncex -n "__fish_bouncex_needs_command" -f -a "scan" -d 'Analyse mail logs, .eml files, mbox files or maildir folders and summarize'
complete -c bouncex -n "__fish_bouncex_needs_command" -f -a "classify" -d 'One compact JSON row per input line, written as soon as the line is read'
complete -c bouncex -n "__fish_bouncex_needs_command" -f -a "kb" -d 'Knowledge-base tools'
complete -c bouncex -n "__fish_bouncex_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c bouncex -n "__fish_bouncex_needs_command" -f -a "man" -d 'Print the man page (roff): `bouncex man | man -l -`'
complete -c bouncex -n "__fish_bouncex_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bouncex -n "__fish_bouncex_using_subcommand explain" -l format -d 'Output format' -r -f -a "text\t'Readable explanation, fitted to the terminal'
json\t'One JSON document ({"bouncex": "1", ...})'
ndjson\t'One JSON object per line (per finding, or per event for scan)'"
complete -c bouncex -n "__fish_bouncex_using_subcommand explain" -l color -d 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it)'
always\t'Always colour text output'
never\t'Never colour'"
complete -c bouncex -n "__fish_bouncex_using_subcommand explain" -l kb -d 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset' -r -F
complete -c bouncex -n "__fish_bouncex_using_subcommand explain" -l full -d 'Print every section whole (all causes, fixes and stage rows, how related codes differ, the provider, example replies) instead of the short form'
complete -c bouncex -n "__fish_bouncex_using_subcommand explain" -l text -d 'Read every argument as text, even one that names an existing file'
complete -c bouncex -n "__fish_bouncex_using_subcommand explain" -l json -d 'Same as --format json'
complete -c bouncex -n "__fish_bouncex_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncex -n "__fish_bouncex_using_subcommand explain" -s V -l version -d 'Print version'
complete -c bouncex -n "__fish_bouncex_using_subcommand list" -l class -d 'Only this class (2, 4 or 5)' -r -f -a "2\t''
4\t''
5\t''"
complete -c bouncex -n "__fish_bouncex_using_subcommand list" -l subject -d 'Only this subject (0-7 for registered codes); leaves out basic reply codes' -r
complete -c bouncex -n "__fish_bouncex_using_subcommand list" -l format -d 'Output format' -r -f -a "text\t'Readable explanation, fitted to the terminal'
json\t'One JSON document ({"bouncex": "1", ...})'
ndjson\t'One JSON object per line (per finding, or per event for scan)'"
complete -c bouncex -n "__fish_bouncex_using_subcommand list" -l color -d 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it)'
always\t'Always colour text output'
never\t'Never colour'"
complete -c bouncex -n "__fish_bouncex_using_subcommand list" -l kb -d 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset' -r -F
complete -c bouncex -n "__fish_bouncex_using_subcommand list" -l no-basic -d 'Leave out the basic reply codes (550, 421, ...)'
complete -c bouncex -n "__fish_bouncex_using_subcommand list" -l json -d 'Same as --format json'
complete -c bouncex -n "__fish_bouncex_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncex -n "__fish_bouncex_using_subcommand list" -s V -l version -d 'Print version'
complete -c bouncex -n "__fish_bouncex_using_subcommand search" -l format -d 'Output format' -r -f -a "text\t'Readable explanation, fitted to the terminal'
json\t'One JSON document ({"bouncex": "1", ...})'
ndjson\t'One JSON object per line (per finding, or per event for scan)'"
complete -c bouncex -n "__fish_bouncex_using_subcommand search" -l color -d 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it)'
always\t'Always colour text output'
never\t'Never colour'"
complete -c bouncex -n "__fish_bouncex_using_subcommand search" -l kb -d 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset' -r -F
complete -c bouncex -n "__fish_bouncex_using_subcommand search" -l json -d 'Same as --format json'
complete -c bouncex -n "__fish_bouncex_using_subcommand search" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncex -n "__fish_bouncex_using_subcommand search" -s V -l version -d 'Print version'
complete -c bouncex -n "__fish_bouncex_using_subcommand scan" -l year -d 'The year of the first year-less (syslog) time read; by default each file\'s year is inferred from its modification time, standard input\'s from today' -r
complete -c bouncex -n "__fish_bouncex_using_subcommand scan" -l format -d 'Output format' -r -f -a "text\t'Readable explanation, fitted to the terminal'
json\t'One JSON document ({"bouncex": "1", ...})'
ndjson\t'One JSON object per line (per finding, or per event for scan)'"
complete -c bouncex -n "__fish_bouncex_using_subcommand scan" -l color -d 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it)'
always\t'Always colour text output'
never\t'Never colour'"
complete -c bouncex -n "__fish_bouncex_using_subcommand scan" -l kb -d 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset' -r -F
complete -c bouncex -n "__fish_bouncex_using_subcommand scan" -l json -d 'Same as --format json'
complete -c bouncex -n "__fish_bouncex_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncex -n "__fish_bouncex_using_subcommand scan" -s V -l version -d 'Print version'
complete -c bouncex -n "__fish_bouncex_using_subcommand classify" -l format -d 'Output format' -r -f -a "text\t'Readable explanation, fitted to the terminal'
json\t'One JSON document ({"bouncex": "1", ...})'
ndjson\t'One JSON object per line (per finding, or per event for scan)'"
complete -c bouncex -n "__fish_bouncex_using_subcommand classify" -l color -d 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it)'
always\t'Always colour text output'
never\t'Never colour'"
complete -c bouncex -n "__fish_bouncex_using_subcommand classify" -l kb -d 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset' -r -F
complete -c bouncex -n "__fish_bouncex_using_subcommand classify" -l key -d 'Each line is KEY<TAB>TEXT: the key is echoed back as "key" and only the text is classified (a line without a tab has an empty key)'
complete -c bouncex -n "__fish_bouncex_using_subcommand classify" -l json -d 'Same as --format json'
complete -c bouncex -n "__fish_bouncex_using_subcommand classify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncex -n "__fish_bouncex_using_subcommand classify" -s V -l version -d 'Print version'
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and not __fish_seen_subcommand_from check help" -l format -d 'Output format' -r -f -a "text\t'Readable explanation, fitted to the terminal'
json\t'One JSON document ({"bouncex": "1", ...})'
ndjson\t'One JSON object per line (per finding, or per event for scan)'"
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and not __fish_seen_subcommand_from check help" -l color -d 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it)'
always\t'Always colour text output'
never\t'Never colour'"
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and not __fish_seen_subcommand_from check help" -l kb -d 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset' -r -F
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and not __fish_seen_subcommand_from check help" -l json -d 'Same as --format json'
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and not __fish_seen_subcommand_from check help" -s V -l version -d 'Print version'
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Validate a knowledge-base file (default: the built-in one); errors give line and column'
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and __fish_seen_subcommand_from check" -l format -d 'Output format' -r -f -a "text\t'Readable explanation, fitted to the terminal'
json\t'One JSON document ({"bouncex": "1", ...})'
ndjson\t'One JSON object per line (per finding, or per event for scan)'"
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and __fish_seen_subcommand_from check" -l color -d 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it)'
always\t'Always colour text output'
never\t'Never colour'"
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and __fish_seen_subcommand_from check" -l kb -d 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset' -r -F
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and __fish_seen_subcommand_from check" -l json -d 'Same as --format json'
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate a knowledge-base file (default: the built-in one); errors give line and column'
complete -c bouncex -n "__fish_bouncex_using_subcommand kb; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bouncex -n "__fish_bouncex_using_subcommand completions" -l format -d 'Output format' -r -f -a "text\t'Readable explanation, fitted to the terminal'
json\t'One JSON document ({"bouncex": "1", ...})'
ndjson\t'One JSON object per line (per finding, or per event for scan)'"
complete -c bouncex -n "__fish_bouncex_using_subcommand completions" -l color -d 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it)'
always\t'Always colour text output'
never\t'Never colour'"
complete -c bouncex -n "__fish_bouncex_using_subcommand completions" -l kb -d 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset' -r -F
complete -c bouncex -n "__fish_bouncex_using_subcommand completions" -l json -d 'Same as --format json'
complete -c bouncex -n "__fish_bouncex_using_subcommand completions" -s h -l help -d 'Print help'
complete -c bouncex -n "__fish_bouncex_using_subcommand completions" -s V -l version -d 'Print version'
complete -c bouncex -n "__fish_bouncex_using_subcommand man" -l format -d 'Output format' -r -f -a "text\t'Readable explanation, fitted to the terminal'
json\t'One JSON document ({"bouncex": "1", ...})'
ndjson\t'One JSON object per line (per finding, or per event for scan)'"
complete -c bouncex -n "__fish_bouncex_using_subcommand man" -l color -d 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset (CLICOLOR_FORCE forces it)'
always\t'Always colour text output'
never\t'Never colour'"
complete -c bouncex -n "__fish_bouncex_using_subcommand man" -l kb -d 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset' -r -F
complete -c bouncex -n "__fish_bouncex_using_subcommand man" -l json -d 'Same as --format json'
complete -c bouncex -n "__fish_bouncex_using_subcommand man" -s h -l help -d 'Print help'
complete -c bouncex -n "__fish_bouncex_using_subcommand man" -s V -l version -d 'Print version'
complete -c bouncex -n "__fish_bouncex_using_subcommand help; and not __fish_seen_subcommand_from explain list search scan classify kb completions man help" -f -a "explain" -d 'Explain status codes, SMTP replies, log lines or bounce messages'
complete -c bouncex -n "__fish_bouncex_using_subcommand help; and not __fish_seen_subcommand_from explain list search scan classify kb completions man help" -f -a "list" -d 'List the codes the knowledge base knows: enhanced codes, then basic reply codes'
complete -c bouncex -n "__fish_bouncex_using_subcommand help; and not __fish_seen_subcommand_from explain list search scan classify kb completions man help" -f -a "search" -d 'Find codes whose title, meaning, causes or patterns mention all the words'
complete -c bouncex -n "__fish_bouncex_using_subcommand help; and not __fish_seen_subcommand_from explain list search scan classify kb completions man help" -f -a "scan" -d 'Analyse mail logs, .eml files, mbox files or maildir folders and summarize'
complete -c bouncex -n "__fish_bouncex_using_subcommand help; and not __fish_seen_subcommand_from explain list search scan classify kb completions man help" -f -a "classify" -d 'One compact JSON row per input line, written as soon as the line is read'
complete -c bouncex -n "__fish_bouncex_using_subcommand help; and not __fish_seen_subcommand_from explain list search scan classify kb completions man help" -f -a "kb" -d 'Knowledge-base tools'
complete -c bouncex -n "__fish_bouncex_using_subcommand help; and not __fish_seen_subcommand_from explain list search scan classify kb completions man help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c bouncex -n "__fish_bouncex_using_subcommand help; and not __fish_seen_subcommand_from explain list search scan classify kb completions man help" -f -a "man" -d 'Print the man page (roff): `bouncex man | man -l -`'
complete -c bouncex -n "__fish_bouncex_using_subcommand help; and not __fish_seen_subcommand_from explain list search scan classify kb completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c bouncex -n "__fish_bouncex_using_subcommand help; and __fish_seen_subcommand_from kb" -f -a "check" -d 'Validate a knowledge-base file (default: the built-in one); errors give line and column'
