// Directus's TUS (resumable) uploads write the file's row as they go: a files.update for every
// chunk received and one when the upload finishes, before its files.upload. They are the upload's,
// not an admin's edit of the file: "File updated" must not fire for each chunk of an upload.
import { FILES_COLLECTION } from '../../../shared/webhook';

// Only Directus's upload code sets these: the progress of a resumable upload, and when content was stored.
const UPLOAD_FIELDS = ['tus_data', 'tus_id', 'uploaded_on'];

/** A files.update written by an upload rather than by someone editing the file. */
export function isUploadBookkeeping(collection: string, payload: unknown): boolean {
	if (collection !== FILES_COLLECTION || !payload || typeof payload !== 'object') return false;
	return UPLOAD_FIELDS.some((field) => field in payload);
}
