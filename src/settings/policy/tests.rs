use super::*;

const PRETTY: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \
                      \"Action\": [\"s3:Get*\", \"s3:List*\"],\n      \"Resource\": \"arn:aws:s3:::my bucket/*\",\n      \
                      \"Condition\": {\"NumericLessThan\": {\"aws:MultiFactorAuthAge\": 3600.0}}\n    }\n  ]\n}\n";

#[test]
fn a_pretty_policy_is_packed_to_one_line_as_written() {
    assert_eq!(
        pack(PRETTY).unwrap(),
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"s3:List*\"],\
         \"Resource\":\"arn:aws:s3:::my bucket/*\",\"Condition\":{\"NumericLessThan\":{\"aws:MultiFactorAuthAge\":3600.0}}}]}"
    );
}

#[test]
fn strings_keep_their_spaces_escapes_and_latin_1() {
    let text = "{ \"Statement\" : [ { \"Sid\" : \"a \\\" b\\\\\" , \"Resource\" : \"caf\u{e9} \\u0100\" } ] }";
    assert_eq!(
        pack(text).unwrap(),
        "{\"Statement\":[{\"Sid\":\"a \\\" b\\\\\",\"Resource\":\"caf\u{e9} \\u0100\"}]}"
    );
}

#[test]
fn what_is_not_one_policy_object_is_refused_with_where() {
    let cases = [
        ("", "is empty"),
        ("   \n", "is empty"),
        ("[{\"Statement\": []}]", "is not a JSON object"),
        ("\"Statement\"", "is not a JSON object"),
        ("{\"Version\": \"2012-10-17\"}", "has no \"Statement\""),
        ("{\"Policy\": {\"Statement\": []}}", "has no \"Statement\""),
        ("{\"Statement\": []} {}", "holds more than one JSON value"),
        (
            "{\"Statement\": []}\n]",
            "is not valid JSON: line 2, column 1:",
        ),
        (
            "{\n  \"Statement\": [,]\n}",
            "is not valid JSON: line 2, column 17:",
        ),
        ("{\"Statement\": [}", "is not valid JSON"),
        (
            "{\"Statement\": \"\u{100}\"}",
            "line 1, column 16: U+0100 is not a character STS takes",
        ),
        ("{\"Statement\":\n\u{2028}[]}", "line 2, column 1: U+2028"),
    ];
    for (text, expected) in cases {
        let error = pack(text).unwrap_err();
        assert!(error.starts_with(expected), "{text:?}: {error}");
    }
}

#[test]
fn positions_count_lines_and_characters() {
    assert_eq!(position("ab\ncdé\nf", 0), (1, 1));
    assert_eq!(position("ab\ncdé\nf", 3), (2, 1));
    assert_eq!(position("ab\ncdé\nf", 8), (3, 1));
    assert_eq!(position("ab\ncdé\nf", 7), (2, 4));
}
