/// What an import did, article by article.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Changed in the catalogue, but edited through the admin API since the last import:
    /// left as the editor left it.
    pub kept_edited: usize,
}
