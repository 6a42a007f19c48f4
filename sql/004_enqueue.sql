-- What queue-enqueue needs in the database: the address shape rule, so that the fan-out
-- can check every lead's address inside its one INSERT ... SELECT instead of pulling
-- the leads into the client. lib/message applies the same rule in C++ before a message
-- is built; the two must agree (test/integration/enqueue/address_rule_test.cpp holds
-- the cases both are checked against).
--
-- The rule (RFC 5321 lengths, no quoting, no comments, no address literals):
--   * the whole address is 3 to 254 octets;
--   * exactly one '@';
--   * every octet is printable ASCII: nothing at or below 0x20 (space, control), no
--     0x7f, nothing at or above 0x80 (non-ASCII), and none of < > ( ) , ; : \ " [ ];
--   * the local part is 1 to 64 octets, neither starts nor ends with '.', and has no '..';
--   * the domain is at least two labels separated by '.', each label 1 to 63 of
--     [A-Za-z0-9-], not starting or ending with '-'.
-- Comparison of addresses (suppression) is case-insensitive: lower(email).
--
-- Written for speed, since the fan-out runs it once per lead: one anchored regular
-- expression without capturing groups does the shape; the two length limits that a
-- regular expression checks slowly (bounded repetition) are only computed for
-- addresses long enough to break them (68 octets or more). Not STRICT, so that the
-- planner inlines the body into the fan-out; NULL gives false.

CREATE OR REPLACE FUNCTION emailqueue_address_is_valid(address text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT address IS NOT NULL
       AND octet_length(address) BETWEEN 3 AND 254
       -- local part: runs of ! # $ % & ' * + - / 0-9 = ? A-Z ^ _ ` a-z { | } ~ joined
       -- by single dots; then '@'; then labels of letters, digits and inner hyphens,
       -- at least two, joined by single dots
       AND address ~ '^[!#-''*+\-/-9=?A-Z^-~]+(?:\.[!#-''*+\-/-9=?A-Z^-~]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$'
       -- a local part over 64 octets or a label over 63 needs 68 octets in all
       AND (octet_length(address) < 68
            OR (octet_length(split_part(address, '@', 1)) <= 64
                AND split_part(address, '@', 2) !~ '[^.]{64}'))
$$;

COMMENT ON FUNCTION emailqueue_address_is_valid(text) IS
    'emailqueue address shape rule: 3..254 octets; exactly one @; printable ASCII only, '
    'none of < > ( ) , ; : \ " [ ]; local part 1..64 octets without a leading, trailing '
    'or doubled dot; domain of two or more dot-separated labels, each 1..63 of '
    '[A-Za-z0-9-] not starting or ending with a hyphen. NULL is not valid.';
