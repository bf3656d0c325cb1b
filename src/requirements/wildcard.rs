//! IAM action wildcards: `*` matches any run of characters, `?` one character, case-insensitively.

/// True when the IAM action `pattern` (e.g. `iam:List*`) matches the concrete `action` (e.g. `iam:ListUsers`).
pub fn action_matches(pattern: &str, action: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let action: Vec<char> = action.chars().flat_map(char::to_lowercase).collect();
    glob(&pattern, &action)
}

/// Iterative glob with single-star backtracking (linear in practice for IAM patterns).
fn glob(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}
