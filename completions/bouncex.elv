
use builtin;
use str;

set edit:completion:arg-completer[bouncex] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'bouncex'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'bouncex'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand explain 'Explain status codes, SMTP replies, log lines or bounce messages'
            cand list 'List the codes the knowledge base knows: enhanced codes, then basic reply codes'
            cand search 'Find codes whose title, meaning, causes or patterns mention all the words'
            cand scan 'Analyse mail logs, .eml files, mbox files or maildir folders and summarize'
            cand classify 'One compact JSON row per input line, written as soon as the line is read'
            cand kb 'Knowledge-base tools'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand man 'Print the man page (roff): `bouncex man | man -l -`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'bouncex;explain'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --full 'Print every section whole (all causes, fixes and stage rows, how related codes differ, the provider, example replies) instead of the short form'
            cand --text 'Read every argument as text, even one that names an existing file'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;list'= {
            cand --class 'Only this class (2, 4 or 5)'
            cand --subject 'Only this subject (0-7 for registered codes); leaves out basic reply codes'
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --no-basic 'Leave out the basic reply codes (550, 421, ...)'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;search'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;scan'= {
            cand --year 'The year of the first year-less (syslog) time read; by default each file''s year is inferred from its modification time, standard input''s from today'
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;classify'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --key 'Each line is KEY<TAB>TEXT: the key is echoed back as "key" and only the text is classified (a line without a tab has an empty key)'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;kb'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Validate a knowledge-base file (default: the built-in one); errors give line and column'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'bouncex;kb;check'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;kb;help'= {
            cand check 'Validate a knowledge-base file (default: the built-in one); errors give line and column'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'bouncex;kb;help;check'= {
        }
        &'bouncex;kb;help;help'= {
        }
        &'bouncex;completions'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --json 'Same as --format json'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;man'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --json 'Same as --format json'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;help'= {
            cand explain 'Explain status codes, SMTP replies, log lines or bounce messages'
            cand list 'List the codes the knowledge base knows: enhanced codes, then basic reply codes'
            cand search 'Find codes whose title, meaning, causes or patterns mention all the words'
            cand scan 'Analyse mail logs, .eml files, mbox files or maildir folders and summarize'
            cand classify 'One compact JSON row per input line, written as soon as the line is read'
            cand kb 'Knowledge-base tools'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand man 'Print the man page (roff): `bouncex man | man -l -`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'bouncex;help;explain'= {
        }
        &'bouncex;help;list'= {
        }
        &'bouncex;help;search'= {
        }
        &'bouncex;help;scan'= {
        }
        &'bouncex;help;classify'= {
        }
        &'bouncex;help;kb'= {
            cand check 'Validate a knowledge-base file (default: the built-in one); errors give line and column'
        }
        &'bouncex;help;kb;check'= {
        }
        &'bouncex;help;completions'= {
        }
        &'bouncex;help;man'= {
        }
        &'bouncex;help;help'= {
        }
    ]
    $completions[$command]
}
