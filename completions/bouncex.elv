
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
            cand list 'List the codes the knowledge base knows'
            cand search 'Find codes whose title, meaning, causes or patterns mention all the words'
            cand scan 'Analyse mail logs, .eml files, mbox files or maildir folders and summarize'
            cand kb 'Knowledge-base tools'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand man 'Print the man page (roff)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'bouncex;explain'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;list'= {
            cand --class 'Only this class (2, 4 or 5)'
            cand --subject 'Only this subject (0-7 for registered codes)'
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
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
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
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
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;man'= {
            cand --format 'Output format'
            cand --color 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal'
            cand --kb 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset'
            cand --json 'Same as --format json'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'bouncex;help'= {
            cand explain 'Explain status codes, SMTP replies, log lines or bounce messages'
            cand list 'List the codes the knowledge base knows'
            cand search 'Find codes whose title, meaning, causes or patterns mention all the words'
            cand scan 'Analyse mail logs, .eml files, mbox files or maildir folders and summarize'
            cand kb 'Knowledge-base tools'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand man 'Print the man page (roff)'
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
