/** The header the instructor's pages send the room secret in (it is in the link's fragment, never in a URL path or query). */
export const instructorSecretHeader = 'x-rslab-instructor-secret';
