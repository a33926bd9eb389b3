/** Node modules mongosh's packages import but never reach in the browser (v8 snapshots, md5 digests). */
export default {};
