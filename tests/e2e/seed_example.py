"""The "Example: Complete Upload Flow" of seed 000 (shared/seeds/000_86b5cbed942eadb0.txt), verbatim
but for two things API.md section 4 allows: the host (https://api.incredible.one -> FILESD_URL) and
the placeholder key (ik_your_api_key -> FILESD_API_KEY), and without step 4 (the chat request; the
chat route is not part of filesd). Run it in a directory holding report.pdf of 45678 bytes (the size
the seed hard-codes in its confirm call); tests/e2e/test_presigned_seed.py does exactly that."""

import os

import requests

API = os.environ["FILESD_URL"]  # the seed's https://api.incredible.one
KEY = os.environ["FILESD_API_KEY"]  # the seed's ik_your_api_key

# 1. Get upload URL
response = requests.post(
    f"{API}/v1/files/upload-url",
    headers={"Authorization": f"Bearer {KEY}"},
    json={"filename": "report.pdf"}
)

data = response.json()
file_id = data["file_id"]
upload_url = data["upload_url"]

# 2. Upload file
with open('report.pdf', 'rb') as f:
    requests.put(
        upload_url,
        data=f.read(),
        headers={"Content-Type": "application/pdf"}
    )

# 3. Confirm upload
requests.post(
    f"{API}/v1/files/confirm-upload",
    headers={"Authorization": f"Bearer {KEY}"},
    json={"file_id": file_id, "filename": "report.pdf", "file_size": 45678}
)
