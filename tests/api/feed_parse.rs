//! Parsing feeds the way readers do: a strict XML 1.0 parser first (it rejects the
//! characters XML forbids), then the `rss` / `atom_syndication` readers.

pub fn rss(body: &str) -> rss::Channel {
    roxmltree::Document::parse(body)
        .unwrap_or_else(|e| panic!("RSS is not well-formed XML: {e}\n{body}"));
    rss::Channel::read_from(body.as_bytes()).unwrap_or_else(|e| panic!("RSS does not parse: {e}"))
}

pub fn atom(body: &str) -> atom_syndication::Feed {
    roxmltree::Document::parse(body)
        .unwrap_or_else(|e| panic!("Atom is not well-formed XML: {e}\n{body}"));
    atom_syndication::Feed::read_from(body.as_bytes())
        .unwrap_or_else(|e| panic!("Atom does not parse: {e}"))
}

pub fn rss_titles(channel: &rss::Channel) -> Vec<String> {
    channel
        .items
        .iter()
        .map(|i| i.title.clone().expect("item title"))
        .collect()
}

pub fn atom_titles(feed: &atom_syndication::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.title.value.clone()).collect()
}

pub fn rss_self_link(channel: &rss::Channel) -> String {
    let atom = channel.atom_ext.as_ref().expect("atom extension");
    atom.links
        .iter()
        .find(|l| l.rel == "self")
        .expect("self link")
        .href
        .clone()
}

pub fn atom_link(feed: &atom_syndication::Feed, rel: &str) -> String {
    feed.links
        .iter()
        .find(|l| l.rel == rel)
        .unwrap_or_else(|| panic!("{rel} link"))
        .href
        .clone()
}

pub fn json_feed(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("JSON Feed does not parse: {e}\n{body}"))
}

pub fn json_titles(feed: &serde_json::Value) -> Vec<String> {
    feed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().expect("title").to_owned())
        .collect()
}
