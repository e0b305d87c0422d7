<?php
/* ronda example site: an inert imitation of an obfuscated upload shell.
 * The return below stops it from ever running; the rest is what ronda
 * has to see through (rot13 -> base64 -> raw deflate -> eval). */
return;
eval(gzinflate(base64_decode(str_rot13('F03BlSqDG87CX8aCHPwXm0gWIYszlxkG0ZtfYx4g0IPWQ3VAQUHAQbyJY0tglfjeFpkDw9KHIXwz4vlhYP5WmpJujcdeytfN'))));
