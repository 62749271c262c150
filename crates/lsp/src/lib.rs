//! starl's language server (stub; being built).

/// Serve the Language Server Protocol over standard input and output until `exit`.
pub fn run_stdio() -> anyhow::Result<()> {
    anyhow::bail!("starl lsp is not built yet")
}
