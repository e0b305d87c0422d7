<?php
/*
 * Portal resmi Pemerintah Kabupaten Contoh — CONTOH FIKTIF.
 *
 * This whole site is a made-up example shipped with ronda to show what a
 * first scan finds. Every host name ends in .example, every person and
 * agency is invented, and the "malicious" files are inert imitations.
 */
$judul = 'Pemerintah Kabupaten Contoh';
include __DIR__ . '/templates/header.php';
?>
<main>
  <h1>Selamat datang di portal Kabupaten Contoh</h1>
  <p>Portal ini memuat informasi layanan publik, berita daerah, dan
  pengumuman resmi dari pemerintah kabupaten.</p>
  <ul>
    <li><a href="/berita/">Berita daerah</a></li>
    <li><a href="/profil/">Profil daerah</a></li>
    <li><a href="/pengumuman/">Pengumuman</a></li>
  </ul>
</main>
<?php include __DIR__ . '/templates/footer.php'; ?>
