/*
 * banned.h — unbounded or unchecked libc calls are compile errors (git's
 * banned.h).  Use ronda_buf, snprintf, strtol-based parsers instead.
 * Included last by every ronda source file through core/util.h.
 */
#ifndef RONDA_BANNED_H
#define RONDA_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_ronda

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)

#endif
