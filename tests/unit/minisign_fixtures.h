/* minisign_fixtures.h: made by tests/fixtures/mkminisign with the real
 * minisign CLI (minisign 0.11). Do not edit: run the script again. */
#define FX_STREAM_LEN 200003
#define FX_A_KEY "RWTknHl4zt8XTQjQ5C26k9UL0U4l9IkMm4V1Zrqymxp9wHk/1AlgbYh+"
#define FX_A_ID "4D17DFCE78799CE4"
#define FX_B_KEY "RWROT0VVQbuR3w7cIC8WGdKcZXf4uVlY5Ruh4tcB3f3wIA3xu9Kdg6bf"
static const char fx_a_pub[] =
    "untrusted comment: minisign public key 4D17DFCE78799CE4\n"
    "RWTknHl4zt8XTQjQ5C26k9UL0U4l9IkMm4V1Zrqymxp9wHk/1AlgbYh+\n"
;
static const char fx_msg[] =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  backup-2026-11-20T03-00-00.tar.gz\n"
;
static const char fx_legacy[] =
    "untrusted comment: signature from minisign secret key\n"
    "RWTknHl4zt8XTRwAfoLletRmYxMEPcqAi7jLfrKqIkVZ2kjD2d7S0xdT+WdpSEiUvO/rextkI+NUZ5LVBv60FdMDTMdqvGqZtAU=\n"
    "trusted comment: timestamp:1796379822\tfile:msg\n"
    "RSbS1lt6XgnAoepKS5uXA3uVmx3GCS1aa8eC4iW9rQGHy95yhuvV20Dx4U5+qKWy8RSdrqNcxRU43TNgpKe8Ag==\n"
;
static const char fx_hashed[] =
    "untrusted comment: signature from minisign secret key\n"
    "RUTknHl4zt8XTaeuqpI3lYOVxU8m984IR2OjCBebTW3iImuT27lFRhKYlkGD3mTT0BrFw9EdKFFtsKEeBmJSpIg9uMvFu6cnewg=\n"
    "trusted comment: timestamp:1796379822\tfile:msg\thashed\n"
    "47ca8sKRdVy4PP+nSO/HhGv6ZaqbCjeWjsl7/pv/sOJNOHBSiDCuVAftWVq7klv1g3bQvQ/nO/RD/oHmJKjTBQ==\n"
;
static const char fx_other[] =
    "untrusted comment: signature from minisign secret key\n"
    "RUROT0VVQbuR36PzB4FRW/SfBAY1KUZIpPtMvPb3I6+Al7gFM2wLnC4eBC4KQ107u4Ghh/naAzVkHdKPnzt/f0WFpCPCFlJOSQE=\n"
    "trusted comment: timestamp:1796379822\tfile:msg\thashed\n"
    "BMCccjI7PCfapOG1cJ1jl8voOBFX8vSRkScPnr8lYXLtpBs2+rAx7LLnmr4ookGHKl7IMZN+7Qp6RUn6L+EoCw==\n"
;
static const char fx_stream[] =
    "untrusted comment: signature from minisign secret key\n"
    "RUTknHl4zt8XTaN5S36eHqX56tIsEzwXAqVrLde7ljtPROcI1bYiiYF9QBLsQMycEvdYUoh2sD0RxQlwfi1nqjiG8PZQ0j/kKQM=\n"
    "trusted comment: lifeboat test stream\n"
    "BirjKBmjKcgQVNbcP7f+SGByrHyvA4LHgj0dtfMz9OD9r6js+35SDwBqhjgXBBIvOzGG1mpmDCp5oQ/QeKUeAQ==\n"
;
static const char fx_stream_legacy[] =
    "untrusted comment: signature from minisign secret key\n"
    "RWTknHl4zt8XTSmMoiLkWrSdn+i+fyIghIN//lteuONVzFCI3snhX4e9b/1Ig4WQTi0A9P8tKN0UOO64GrVCWkn5JBSAX7lXTgI=\n"
    "trusted comment: timestamp:1796379822\tfile:stream\n"
    "uHdBbJ0Yu537BlYNPmwZ2rK9GoJPOgp4+PdJXkbTNReX1EXw7iJRR4jJszA16Z5514iSrOLGQE5N6L1nO2eMDQ==\n"
;
