fn main() -> std::process::ExitCode {
    bouncex::cli::main()
}
