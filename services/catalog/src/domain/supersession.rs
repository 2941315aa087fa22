//! Supersession chains: a part replaced by another (A → B → C).

use std::collections::HashSet;

/// The final successor of `start`, following `next` until a part has none. `None`
/// if the chain runs into a cycle (which writes refuse, see [`would_cycle`]) or is
/// longer than `limit` links.
pub fn final_successor(
    start: &str,
    limit: usize,
    mut next: impl FnMut(&str) -> Option<String>,
) -> Option<String> {
    let mut current = start.to_owned();
    let mut seen = HashSet::new();
    seen.insert(current.clone());
    for _ in 0..limit {
        match next(&current) {
            None => return Some(current),
            Some(n) => {
                if !seen.insert(n.clone()) {
                    return None;
                }
                current = n;
            }
        }
    }
    None
}

/// Whether making `part` superseded by `successor` closes a cycle: it does when the
/// chain starting at `successor` reaches `part`.
pub fn would_cycle(
    part: &str,
    successor: &str,
    limit: usize,
    mut next: impl FnMut(&str) -> Option<String>,
) -> bool {
    if part == successor {
        return true;
    }
    let mut current = successor.to_owned();
    for _ in 0..limit {
        match next(&current) {
            None => return false,
            Some(n) if n == part => return true,
            Some(n) => current = n,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn chain(links: &[(&str, &str)]) -> HashMap<String, String> {
        links
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn follows_to_the_end() {
        let m = chain(&[("A", "B"), ("B", "C")]);
        assert_eq!(
            final_successor("A", 10, |p| m.get(p).cloned()).as_deref(),
            Some("C")
        );
        assert_eq!(
            final_successor("C", 10, |p| m.get(p).cloned()).as_deref(),
            Some("C")
        );
    }

    #[test]
    fn detects_cycles() {
        let m = chain(&[("A", "B"), ("B", "C")]);
        assert!(would_cycle("C", "A", 10, |p| m.get(p).cloned()));
        assert!(would_cycle("A", "A", 10, |p| m.get(p).cloned()));
        assert!(!would_cycle("D", "A", 10, |p| m.get(p).cloned()));
        let looped = chain(&[("A", "B"), ("B", "A")]);
        assert_eq!(final_successor("A", 10, |p| looped.get(p).cloned()), None);
    }
}
