/*
 * test_secret.c — the .env secret classifier: which keys name secrets,
 * which values are placeholders, dotenv parsing and masking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text/secret.h"
#include "core/util.h"

static bool key(const char *k)
{
	return ronda_secret_key(k, strlen(k));
}

static bool live(const char *v)
{
	return ronda_secret_value_live(v, strlen(v));
}

static void test_keys(void **state)
{
	(void)state;
	assert_true(key("DB_PASSWORD"));
	assert_true(key("MAIL_PASSWORD"));
	assert_true(key("DB_PASS"));
	assert_true(key("APP_KEY"));
	assert_true(key("AWS_SECRET_ACCESS_KEY"));
	assert_true(key("JWT_SECRET"));
	assert_true(key("GITHUB_TOKEN"));
	assert_true(key("mailPassword"));
	assert_true(key("app.secret"));
	assert_true(key("STRIPE_SECRET"));
	assert_true(key("SMTP_PWD"));

	assert_false(key("DB_HOST"));
	assert_false(key("DB_USERNAME"));
	assert_false(key("APP_NAME"));
	assert_false(key("AWS_ACCESS_KEY_ID"));        /* an id, not the secret */
	assert_false(key("PASSWORD_RESET_TIMEOUT"));   /* about a password */
	assert_false(key("TOKEN_LIFETIME"));
	assert_false(key("SESSION_DRIVER"));
	assert_false(key("RECAPTCHA_SITE_KEY"));       /* public by design */
	assert_false(key("PASSPORT_PATH"));
	assert_false(key(""));
}

static void test_values(void **state)
{
	(void)state;
	assert_true(live("s3cr3t-Pa55"));
	assert_true(live("base64:Qk9HVVMtS0VZLUZPUi1URVNUUy0xMjM0NTY3OA=="));
	assert_true(live("hunter22"));
	assert_true(live("$2y$10$abcdefghijklmnopqrstuv"));   /* a hash is live */

	assert_false(live(""));
	assert_false(live("null"));
	assert_false(live("secret"));
	assert_false(live("CHANGEME"));
	assert_false(live("your-password-here"));
	assert_false(live("${DB_PASSWORD}"));
	assert_false(live("$DB_PASSWORD"));
	assert_false(live("%env(DATABASE_PASSWORD)%"));
	assert_false(live("<your secret>"));
	assert_false(live("xxxxxxxx"));
	assert_false(live("********"));
	assert_false(live("base64:"));
	assert_false(live("x"));
}

static void test_url(void **state)
{
	const char *a = "mysql://app:Kuda-Lari-77@db.local:3306/app";
	const char *b = "mysql://app@db.local/app";
	const char *c = "https://example.go.id/path:x@y";
	const char *d = "mysql://app:@db.local/app";

	(void)state;
	assert_true(ronda_secret_url_has_password(a, strlen(a)));
	assert_false(ronda_secret_url_has_password(b, strlen(b)));
	assert_false(ronda_secret_url_has_password(c, strlen(c)));
	assert_false(ronda_secret_url_has_password(d, strlen(d)));
}

static void test_env(void **state)
{
	static const char env[] =
		"# comment\n"
		"APP_NAME=Dinas\n"
		"APP_KEY=base64:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==\n"
		"export DB_PASSWORD=\"Kuda Lari 77\"  # quoted, with blanks\n"
		"DB_USERNAME=root\n"
		"MAIL_PASSWORD=null\n"
		"REDIS_PASSWORD=\n"
		"JWT_SECRET='abc123XYZ' # trailing comment\n"
		"DATABASE_URL=mysql://u:Sandi-99@h/db\n"
		"garbage line without equals\n"
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz1";   /* no newline */
	struct ronda_env_entry e[8];
	size_t n = ronda_env_secrets(env, strlen(env), e, 8);

	(void)state;
	assert_int_equal(n, 5);
	assert_memory_equal(env + e[0].key_off, "APP_KEY", 7);
	assert_memory_equal(env + e[1].key_off, "DB_PASSWORD", 11);
	assert_int_equal(e[1].value_len, strlen("Kuda Lari 77"));
	assert_memory_equal(env + e[1].value_off, "Kuda Lari 77", 12);
	assert_memory_equal(env + e[2].key_off, "JWT_SECRET", 10);
	assert_int_equal(e[2].value_len, 9);
	assert_memory_equal(env + e[3].key_off, "DATABASE_URL", 12);
	assert_memory_equal(env + e[4].key_off, "AWS_SECRET_ACCESS_KEY", 21);
	assert_int_equal(e[4].value_off + e[4].value_len, strlen(env));

	/* more than max: counted, not stored */
	assert_int_equal(ronda_env_secrets(env, strlen(env), e, 2), 5);
}

static void test_env_hostile(void **state)
{
	char buf[4096];
	struct ronda_env_entry e[4];

	(void)state;
	/* unterminated quote runs to the end without reading past it */
	assert_int_equal(ronda_env_secrets("DB_PASSWORD=\"abcdef", 19, e, 4), 1);
	assert_int_equal(e[0].value_len, 6);
	/* only '=' signs, NULs and newlines */
	memset(buf, '=', sizeof(buf));
	buf[100] = '\0';
	buf[200] = '\n';
	assert_int_equal(ronda_env_secrets(buf, sizeof(buf), e, 4), 0);
	assert_int_equal(ronda_env_secrets("", 0, e, 4), 0);
	assert_int_equal(ronda_env_secrets("=", 1, e, 4), 0);
	assert_int_equal(ronda_env_secrets("A_PASSWORD=", 11, e, 4), 0);
}

static void test_mask(void **state)
{
	char s[] = "KEY=abcdef\nNEXT=1";

	(void)state;
	ronda_secret_mask(s, strlen(s), 4, 6);
	assert_string_equal(s, "KEY=******\nNEXT=1");
	ronda_secret_mask(s, strlen(s), 14, 100);   /* clipped at the end */
	assert_string_equal(s, "KEY=******\nNEX***");
	ronda_secret_mask(s, strlen(s), 99, 1);     /* out of range: no-op */
	assert_string_equal(s, "KEY=******\nNEX***");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_env_hostile),
		cmocka_unit_test(test_mask),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
