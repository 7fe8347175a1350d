/* Adds a CA certificate to (or removes it from) the local machine's ROOT store: what a Windows admin does with
   certlm.msc or `Import-Certificate -CertStoreLocation Cert:\LocalMachine\Root`, and what SChannel trusts. Used by
   tests/windows/trust-ca.sh on a Wine prefix (Wine has no certutil).
     trust_ca.exe add|remove CA.pem
   Exit 0 and "trust_ca: added|removed|absent <subject>" on success; 1 with the reason otherwise. */
#include <windows.h>
#include <wincrypt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, DWORD *size) {
  FILE *f = fopen(path, "rb");
  char *data;
  long n;
  if (f == NULL) return NULL;
  if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  data = (char *)malloc((size_t)n + 1);
  if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
    free(data);
    data = NULL;
  }
  fclose(f);
  if (data != NULL) {
    data[n] = '\0';
    *size = (DWORD)n;
  }
  return data;
}

int main(int argc, char **argv) {
  DWORD pem_size = 0, der_size = 0;
  char *pem;
  BYTE *der;
  HCERTSTORE store;
  PCCERT_CONTEXT cert, existing;
  char subject[256];
  int adding;
  if (argc != 3 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "remove") != 0)) {
    fprintf(stderr, "usage: trust_ca add|remove CA.pem\n");
    return 2;
  }
  adding = strcmp(argv[1], "add") == 0;
  pem = read_file(argv[2], &pem_size);
  if (pem == NULL) {
    fprintf(stderr, "trust_ca: cannot read %s\n", argv[2]);
    return 1;
  }
  /* PEM or DER: CRYPT_STRING_BASE64HEADER takes the PEM text; a DER file is used as it is. */
  if (CryptStringToBinaryA(pem, pem_size, CRYPT_STRING_BASE64HEADER, NULL, &der_size, NULL, NULL)) {
    der = (BYTE *)malloc(der_size);
    if (der == NULL || !CryptStringToBinaryA(pem, pem_size, CRYPT_STRING_BASE64HEADER, der, &der_size, NULL, NULL)) {
      fprintf(stderr, "trust_ca: %s is not a PEM certificate\n", argv[2]);
      return 1;
    }
  } else {
    der = (BYTE *)pem;
    der_size = pem_size;
  }
  cert = CertCreateCertificateContext(X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, der, der_size);
  if (cert == NULL) {
    fprintf(stderr, "trust_ca: %s holds no certificate (error 0x%08lx)\n", argv[2], (unsigned long)GetLastError());
    return 1;
  }
  CertGetNameStringA(cert, CERT_NAME_SIMPLE_DISPLAY_TYPE, 0, NULL, subject, sizeof subject);
  store = CertOpenStore(CERT_STORE_PROV_SYSTEM_A, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, "ROOT");
  if (store == NULL) {
    fprintf(stderr, "trust_ca: cannot open LocalMachine\\ROOT (error 0x%08lx)\n", (unsigned long)GetLastError());
    return 1;
  }
  if (adding) {
    if (!CertAddCertificateContextToStore(store, cert, CERT_STORE_ADD_REPLACE_EXISTING, NULL)) {
      fprintf(stderr, "trust_ca: cannot add %s (error 0x%08lx)\n", subject, (unsigned long)GetLastError());
      return 1;
    }
    printf("trust_ca: added %s\n", subject);
  } else {
    existing = CertFindCertificateInStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0, CERT_FIND_EXISTING,
                                          cert, NULL);
    if (existing == NULL) {
      printf("trust_ca: absent %s\n", subject);
    } else if (!CertDeleteCertificateFromStore(existing)) { /* frees `existing` either way */
      fprintf(stderr, "trust_ca: cannot remove %s (error 0x%08lx)\n", subject, (unsigned long)GetLastError());
      return 1;
    } else {
      printf("trust_ca: removed %s\n", subject);
    }
  }
  CertFreeCertificateContext(cert);
  CertCloseStore(store, 0);
  return 0;
}
