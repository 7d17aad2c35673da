# mbedTLS 3.6 LTS with threading (curl and libssh2 share it across threads).
# patches/0001: SHA-256 with the x86 SHA extensions when CPUID has them
# (mbedTLS has only Armv8's); the option below turns it on.
# patches/0002: the one-shot ChaCha20-Poly1305 AEAD (TLS records) done by
# libsodium's SIMD code when the program links libsodium (weak symbols;
# lifeboat does): mbedTLS's portable C cost 1.0 CPU-s a GiB of HTTPS.
DEPS_mbedtls :=
define BUILD_mbedtls
	cd $(S) && python3 scripts/config.py set MBEDTLS_THREADING_C
	cd $(S) && python3 scripts/config.py set MBEDTLS_THREADING_PTHREAD
	cd $(S) && python3 scripts/config.py set MBEDTLS_SHA256_USE_X86_SHA_NI_IF_PRESENT
	cd $(S) && python3 scripts/config.py set MBEDTLS_CHACHAPOLY_USE_LIBSODIUM
	cmake -S $(S) -B $(S)/_b -DCMAKE_INSTALL_PREFIX=$(P) -DCMAKE_BUILD_TYPE=None \
		-DCMAKE_C_FLAGS="$${CFLAGS}" -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF \
		-DUSE_SHARED_MBEDTLS_LIBRARY=OFF -DUSE_STATIC_MBEDTLS_LIBRARY=ON \
		-DMBEDTLS_FATAL_WARNINGS=OFF -DCMAKE_INSTALL_LIBDIR=lib >/dev/null
	cmake --build $(S)/_b -j$(NPROC) >/dev/null
	cmake --install $(S)/_b >/dev/null
endef
