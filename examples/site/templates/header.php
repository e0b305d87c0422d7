<?php /* Kepala halaman bersama (contoh fiktif). */ ?>
<!DOCTYPE html>
<html lang="id">
<head>
  <meta charset="utf-8">
  <title><?php echo htmlspecialchars($judul ?? 'Kabupaten Contoh'); ?></title>
  <link rel="stylesheet" href="/assets/css/gaya.css">
</head>
<body>
<header><a href="/">Kabupaten Contoh</a> — melayani dengan sepenuh hati</header>
