
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'bouncex' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'bouncex'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'bouncex' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal')
            [CompletionResult]::new('--kb', '--kb', [CompletionResultType]::ParameterName, 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain status codes, SMTP replies, log lines or bounce messages')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the codes the knowledge base knows: enhanced codes, then basic reply codes')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Find codes whose title, meaning, causes or patterns mention all the words')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Analyse mail logs, .eml files, mbox files or maildir folders and summarize')
            [CompletionResult]::new('classify', 'classify', [CompletionResultType]::ParameterValue, 'One compact JSON row per input line, written as soon as the line is read')
            [CompletionResult]::new('kb', 'kb', [CompletionResultType]::ParameterValue, 'Knowledge-base tools')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff): `bouncex man | man -l -`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bouncex;explain' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal')
            [CompletionResult]::new('--kb', '--kb', [CompletionResultType]::ParameterName, 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset')
            [CompletionResult]::new('--full', '--full', [CompletionResultType]::ParameterName, 'Print every section whole (all causes, fixes and stage rows, how related codes differ, the provider, example replies) instead of the short form')
            [CompletionResult]::new('--text', '--text', [CompletionResultType]::ParameterName, 'Read every argument as text, even one that names an existing file')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncex;list' {
            [CompletionResult]::new('--class', '--class', [CompletionResultType]::ParameterName, 'Only this class (2, 4 or 5)')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Only this subject (0-7 for registered codes); leaves out basic reply codes')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal')
            [CompletionResult]::new('--kb', '--kb', [CompletionResultType]::ParameterName, 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset')
            [CompletionResult]::new('--no-basic', '--no-basic', [CompletionResultType]::ParameterName, 'Leave out the basic reply codes (550, 421, ...)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncex;search' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal')
            [CompletionResult]::new('--kb', '--kb', [CompletionResultType]::ParameterName, 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncex;scan' {
            [CompletionResult]::new('--year', '--year', [CompletionResultType]::ParameterName, 'The year of the first year-less (syslog) time read; by default each file''s year is inferred from its modification time, standard input''s from today')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal')
            [CompletionResult]::new('--kb', '--kb', [CompletionResultType]::ParameterName, 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncex;classify' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal')
            [CompletionResult]::new('--kb', '--kb', [CompletionResultType]::ParameterName, 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Each line is KEY<TAB>TEXT: the key is echoed back as "key" and only the text is classified (a line without a tab has an empty key)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncex;kb' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal')
            [CompletionResult]::new('--kb', '--kb', [CompletionResultType]::ParameterName, 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a knowledge-base file (default: the built-in one); errors give line and column')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bouncex;kb;check' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal')
            [CompletionResult]::new('--kb', '--kb', [CompletionResultType]::ParameterName, 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncex;kb;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a knowledge-base file (default: the built-in one); errors give line and column')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bouncex;kb;help;check' {
            break
        }
        'bouncex;kb;help;help' {
            break
        }
        'bouncex;completions' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal')
            [CompletionResult]::new('--kb', '--kb', [CompletionResultType]::ParameterName, 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncex;man' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour text output: auto honours NO_COLOR, CLICOLOR_FORCE, TERM=dumb and whether stdout is a terminal')
            [CompletionResult]::new('--kb', '--kb', [CompletionResultType]::ParameterName, 'Knowledge base to use: overlays the built-in one entry by entry, or replaces it when its [meta] says replace_builtin = true. An empty value counts as unset')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'bouncex;help' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain status codes, SMTP replies, log lines or bounce messages')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the codes the knowledge base knows: enhanced codes, then basic reply codes')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Find codes whose title, meaning, causes or patterns mention all the words')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Analyse mail logs, .eml files, mbox files or maildir folders and summarize')
            [CompletionResult]::new('classify', 'classify', [CompletionResultType]::ParameterValue, 'One compact JSON row per input line, written as soon as the line is read')
            [CompletionResult]::new('kb', 'kb', [CompletionResultType]::ParameterValue, 'Knowledge-base tools')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff): `bouncex man | man -l -`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'bouncex;help;explain' {
            break
        }
        'bouncex;help;list' {
            break
        }
        'bouncex;help;search' {
            break
        }
        'bouncex;help;scan' {
            break
        }
        'bouncex;help;classify' {
            break
        }
        'bouncex;help;kb' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a knowledge-base file (default: the built-in one); errors give line and column')
            break
        }
        'bouncex;help;kb;check' {
            break
        }
        'bouncex;help;completions' {
            break
        }
        'bouncex;help;man' {
            break
        }
        'bouncex;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
