-- Login lockout (等保 身份鉴别): consecutive failed sign-ins, and until when an
-- account refuses every password after too many of them.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until BIGINT NOT NULL DEFAULT 0;
