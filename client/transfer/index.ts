// Client transfer engine entry: what the CLI and SDK import to move sealed files to and from storage.
export { type DownloadFileOptions, type DownloadResult, downloadFile } from './download-file.ts';
export { type FetchOpenOptions, type FetchOpenResult, fetchAndOpen, isInterruption } from './fetch-open.ts';
export { type FileHashes, hashFileParts, transferChunkBytes } from './hash-file.ts';
export { deleteResumeState, type ResumeState, readResumeState, writeResumeState } from './resume-state.ts';
export {
  type SealUploadOptions,
  type SealUploadProgress,
  type SealUploadResult,
  type StreamedDeclaration,
  sealAndUpload,
} from './seal-upload.ts';
export {
  type RetryPolicy,
  type UploadFileOptions,
  type UploadProgress,
  type UploadResult,
  type UploadTarget,
  uploadFile,
} from './upload-file.ts';
