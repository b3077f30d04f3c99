<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR">
<context>
    <name>ApproveCorrectionDialog</name>
    <message>
        <source>Approve correction · %1</source>
        <translation>Approuver la correction · %1</translation>
    </message>
    <message>
        <source>Reason given: %1</source>
        <translation>Motif indiqué : %1</translation>
    </message>
    <message>
        <source>Approving applies the changes; the country&apos;s rules decide whether MOSIP is updated. To refuse the correction, use Reject.</source>
        <translation>L&apos;approbation applique les modifications ; les règles du pays décident si MOSIP est mis à jour. Pour refuser la correction, utilisez Rejeter.</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>Approuver</translation>
    </message>
</context>
<context>
    <name>BackupStatusLabel</name>
    <message>
        <source>just now</source>
        <translation>à l’instant</translation>
    </message>
    <message numerus="yes">
        <source>%n min ago</source>
        <translation>
            <numerusform>il y a %n min</numerusform>
            <numerusform>il y a %n min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h ago</source>
        <translation>
            <numerusform>il y a %n h</numerusform>
            <numerusform>il y a %n h</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n day(s) ago</source>
        <translation>
            <numerusform>il y a %n jour</numerusform>
            <numerusform>il y a %n jours</numerusform>
        </translation>
    </message>
    <message>
        <source>No backup yet</source>
        <translation>Aucune sauvegarde</translation>
    </message>
    <message>
        <source>Last backup: %1 (%2)</source>
        <translation>Dernière sauvegarde : %1 (%2)</translation>
    </message>
    <message numerus="yes">
        <source>No backup succeeded for more than %n hour(s).</source>
        <translation>
            <numerusform>Aucune sauvegarde réussie depuis plus de %n heure.</numerusform>
            <numerusform>Aucune sauvegarde réussie depuis plus de %n heures.</numerusform>
        </translation>
    </message>
    <message>
        <source>Last attempt to %1 failed: %2</source>
        <translation>Dernière tentative vers %1 échouée : %2</translation>
    </message>
    <message>
        <source>the folder is not there (is the USB stick plugged in?)</source>
        <translation>le dossier est absent (la clé USB est-elle branchée ?)</translation>
    </message>
</context>
<context>
    <name>CorrectionDialog</name>
    <message>
        <source>Request a correction · %1</source>
        <translation>Demander une correction · %1</translation>
    </message>
    <message>
        <source>Change the fields that are wrong. Only changed fields are sent for approval.</source>
        <translation>Modifiez les champs erronés. Seuls les champs modifiés sont soumis à approbation.</translation>
    </message>
    <message>
        <source>Requested by</source>
        <translation>Demandée par</translation>
    </message>
    <message>
        <source>Reason for the correction (required)</source>
        <translation>Motif de la correction (obligatoire)</translation>
    </message>
    <message>
        <source>Fix the fields shown first.</source>
        <translation>Corrigez d&apos;abord les champs signalés.</translation>
    </message>
    <message>
        <source>Nothing was changed.</source>
        <translation>Rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>Give a reason for the correction.</source>
        <translation>Indiquez le motif de la correction.</translation>
    </message>
</context>
<context>
    <name>DeclarationForm</name>
    <message>
        <source>* required · Tab moves between fields · Ctrl+Enter reviews, then submits</source>
        <translation>* obligatoire · Tab passe au champ suivant · Ctrl+Entrée vérifie, puis envoie</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fermer</translation>
    </message>
    <message>
        <source>The draft is kept</source>
        <translation>Le brouillon est conservé</translation>
    </message>
    <message>
        <source>Review and submit…</source>
        <translation>Vérifier et envoyer…</translation>
    </message>
    <message>
        <source>Back to the form</source>
        <translation>Retour au formulaire</translation>
    </message>
    <message>
        <source>Submit declaration</source>
        <translation>Envoyer la déclaration</translation>
    </message>
    <message>
        <source>Editing…</source>
        <translation>Saisie en cours…</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Enregistrement…</translation>
    </message>
    <message>
        <source>Draft saved</source>
        <translation>Brouillon enregistré</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Non enregistré : %1</translation>
    </message>
    <message numerus="yes">
        <source>%n problem(s) to fix before submitting</source>
        <translation>
            <numerusform>%n problème à corriger avant l&apos;envoi</numerusform>
            <numerusform>%n problèmes à corriger avant l&apos;envoi</numerusform>
        </translation>
    </message>
    <message>
        <source>Everything is filled in. Check the details and submit.</source>
        <translation>Tout est rempli. Vérifiez les informations et envoyez.</translation>
    </message>
    <message>
        <source>Submitting…</source>
        <translation>Envoi…</translation>
    </message>
    <message>
        <source>Declared</source>
        <translation>Déclaré</translation>
    </message>
    <message>
        <source>Not submitted: %1</source>
        <translation>Non envoyé : %1</translation>
    </message>
</context>
<context>
    <name>ESignetButton</name>
    <message>
        <source>Authenticate with e-Signet</source>
        <translation>S&apos;authentifier avec e-Signet</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>e-Signet is not set up on this device</source>
        <translation>e-Signet n&apos;est pas configuré sur cet appareil</translation>
    </message>
    <message>
        <source>e-Signet cannot be reached</source>
        <translation>e-Signet est injoignable</translation>
    </message>
    <message>
        <source>Waiting for e-Signet…</source>
        <translation>En attente de e-Signet…</translation>
    </message>
    <message>
        <source>Complete the login in the browser window.</source>
        <translation>Terminez la connexion dans la fenêtre du navigateur.</translation>
    </message>
    <message>
        <source>Authenticated with e-Signet</source>
        <translation>Authentifié avec e-Signet</translation>
    </message>
    <message>
        <source>Identity confirmed by e-Signet; details filled from the ID record.</source>
        <translation>Identité confirmée par e-Signet ; informations reprises du registre d&apos;identité.</translation>
    </message>
    <message>
        <source>Unavailable: %1</source>
        <translation>Indisponible : %1</translation>
    </message>
    <message>
        <source>the device is offline</source>
        <translation>l&apos;appareil est hors ligne</translation>
    </message>
    <message>
        <source>Try e-Signet again</source>
        <translation>Réessayer e-Signet</translation>
    </message>
    <message>
        <source>e-Signet login did not complete: %1. Everything typed is kept.</source>
        <translation>La connexion e-Signet n&apos;a pas abouti : %1. Tout ce qui a été saisi est conservé.</translation>
    </message>
    <message>
        <source>unknown error</source>
        <translation>erreur inconnue</translation>
    </message>
    <message>
        <source>Preferred: confirms the person&apos;s identity now.</source>
        <translation>Recommandé : confirme l&apos;identité de la personne dès maintenant.</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>This record does not exist on this device.</source>
        <translation>Ce dossier n&apos;existe pas sur cet appareil.</translation>
    </message>
    <message>
        <source>“{action}” needs the role {roles}; you are {role}.</source>
        <translation>« {action} » demande le rôle {roles} ; vous êtes {role}.</translation>
    </message>
    <message>
        <source>“{action}” is not possible for a record in status “{status}”.</source>
        <translation>« {action} » n&apos;est pas possible pour un dossier au statut « {status} ».</translation>
    </message>
    <message>
        <source>You requested this correction, so another registrar must approve it (four-eyes rule).</source>
        <translation>Vous avez demandé cette correction : un autre officier d&apos;état civil doit l&apos;approuver (principe des quatre yeux).</translation>
    </message>
    <message>
        <source>Unknown user or wrong PIN</source>
        <translation>Utilisateur inconnu ou code PIN erroné</translation>
    </message>
    <message>
        <source>Too many wrong PINs: try again in {seconds} s</source>
        <translation>Trop de codes PIN erronés : réessayez dans {seconds} s</translation>
    </message>
    <message>
        <source>This PIN is too weak: use at least {min_length} characters, not all alike.</source>
        <translation>Ce code PIN est trop faible : utilisez au moins {min_length} caractères, pas tous identiques.</translation>
    </message>
    <message>
        <source>Only an administrator can do this.</source>
        <translation>Seul un administrateur peut faire cela.</translation>
    </message>
    <message>
        <source>The device lacks the secret “{name}”: ask an administrator to import it.</source>
        <translation>Il manque à l&apos;appareil le secret « {name} » : demandez à un administrateur de l&apos;importer.</translation>
    </message>
    <message>
        <source>MOSIP refused this device&apos;s credentials: ask an administrator.</source>
        <translation>MOSIP a refusé les identifiants de cet appareil : adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>MOSIP&apos;s answer could not be read; it will be tried again later.</source>
        <translation>La réponse de MOSIP n&apos;a pas pu être lue ; un nouvel essai aura lieu plus tard.</translation>
    </message>
    <message>
        <source>No QR code was found in the picture.</source>
        <translation>Aucun code QR n&apos;a été trouvé dans l&apos;image.</translation>
    </message>
    <message>
        <source>e-Signet cannot be reached. Enter the details by hand or scan the ID card; nothing was changed.</source>
        <translation>e-Signet est injoignable. Saisissez les informations à la main ou scannez la carte d&apos;identité ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The connection to e-Signet was lost. Enter the details by hand or scan the ID card; nothing was changed.</source>
        <translation>La connexion à e-Signet a été perdue. Saisissez les informations à la main ou scannez la carte d&apos;identité ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The login was cancelled; nothing was changed.</source>
        <translation>La connexion a été annulée ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The e-Signet login took too long and was stopped; nothing was changed.</source>
        <translation>La connexion e-Signet a pris trop de temps et a été arrêtée ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet did not answer in time; nothing was changed.</source>
        <translation>e-Signet n&apos;a pas répondu à temps ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet did not send the person&apos;s data in time; nothing was changed.</source>
        <translation>e-Signet n&apos;a pas envoyé les données de la personne à temps ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet sent an answer that is too large; nothing was changed.</source>
        <translation>e-Signet a envoyé une réponse trop volumineuse ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet did not say how the person was authenticated, so the person is not marked authenticated; nothing was changed.</source>
        <translation>e-Signet n&apos;a pas indiqué comment la personne a été authentifiée : elle n&apos;est donc pas marquée comme authentifiée ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The person was authenticated by a method this country does not accept ({acr}), so the person is not marked authenticated; nothing was changed.</source>
        <translation>La personne a été authentifiée par une méthode que ce pays n&apos;accepte pas ({acr}) : elle n&apos;est donc pas marquée comme authentifiée ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet sent the person&apos;s data unencrypted although this device requires encryption; nothing was changed.</source>
        <translation>e-Signet a envoyé les données de la personne sans chiffrement alors que cet appareil l&apos;exige ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The person&apos;s data was issued by another provider; nothing was changed.</source>
        <translation>Les données de la personne ont été émises par un autre fournisseur ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>This computer cannot receive e-Signet&apos;s answer: its ports are in use. Nothing was changed.</source>
        <translation>Cet ordinateur ne peut pas recevoir la réponse d&apos;e-Signet : ses ports sont occupés. Rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The browser could not be opened; nothing was changed.</source>
        <translation>Le navigateur n&apos;a pas pu être ouvert ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet&apos;s data does not fit the form ({fields}); nothing was changed.</source>
        <translation>Les données d&apos;e-Signet ne correspondent pas au formulaire ({fields}) ; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>Authenticated with e-Signet; {count} fields filled in.</source>
        <translation>Authentifié avec e-Signet ; {count} champs remplis.</translation>
    </message>
    <message>
        <source>Authenticated with e-Signet; the record is no longer a draft, so its {count} fields from e-Signet were not written into it.</source>
        <translation>Authentifié avec e-Signet ; le dossier n&apos;est plus un brouillon, ses {count} champs venant d&apos;e-Signet n&apos;y ont donc pas été écrits.</translation>
    </message>
    <message>
        <source>Something went wrong (%1). Nothing was changed.</source>
        <translation>Une erreur s&apos;est produite (%1). Rien n&apos;a été modifié.</translation>
    </message>
</context>
<context>
    <name>FieldEditor</name>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>AAAA-MM-JJ</translation>
    </message>
</context>
<context>
    <name>IdentityBar</name>
    <message>
        <source>Scan ID QR…</source>
        <translation>Scanner le QR de la pièce d&apos;identité…</translation>
    </message>
    <message>
        <source>Authenticated</source>
        <translation>Authentifié</translation>
    </message>
    <message>
        <source>Authenticated with e-Signet (PSUT stored).</source>
        <translation>Authentifié avec e-Signet (PSUT enregistré).</translation>
    </message>
    <message>
        <source>Not yet checked</source>
        <translation>Pas encore vérifié</translation>
    </message>
    <message>
        <source>Typed by hand or scanned: checked against MOSIP when the device is online. This offline verification does not authenticate the person.</source>
        <translation>Saisi à la main ou scanné : vérifié auprès de MOSIP quand l&apos;appareil sera en ligne. Cette vérification hors ligne n&apos;authentifie pas la personne.</translation>
    </message>
    <message>
        <source>QR signature valid</source>
        <translation>Signature du QR valide</translation>
    </message>
    <message>
        <source>Filled from a signed ID QR code (issuer %1). It will be checked against MOSIP when online; this does not authenticate the person.</source>
        <translation>Rempli depuis un QR code d&apos;identité signé (émetteur %1). Vérifié auprès de MOSIP une fois en ligne ; cela n&apos;authentifie pas la personne.</translation>
    </message>
    <message>
        <source>QR unverified</source>
        <translation>QR non vérifié</translation>
    </message>
    <message>
        <source>Filled from an unsigned QR code: unverified data. It will be checked against MOSIP when online; this does not authenticate the person.</source>
        <translation>Rempli depuis un QR code non signé : données non vérifiées. Vérifié auprès de MOSIP une fois en ligne ; cela n&apos;authentifie pas la personne.</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>crvs-field — sign in</source>
        <translation>crvs-field — connexion</translation>
    </message>
    <message>
        <source>Civil registration</source>
        <translation>État civil</translation>
    </message>
    <message>
        <source>&amp;User name</source>
        <translation>Nom d&apos;&amp;utilisateur</translation>
    </message>
    <message>
        <source>&amp;PIN</source>
        <translation>Code &amp;PIN</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>&amp;Langue</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Se connecter</translation>
    </message>
    <message>
        <source>Enter your user name and PIN.</source>
        <translation>Saisissez votre nom d&apos;utilisateur et votre code PIN.</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Vérification…</translation>
    </message>
    <message>
        <source>Sign-in failed: %1</source>
        <translation>Échec de la connexion : %1</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>crvs-field — %1</source>
        <translation>crvs-field — %1</translation>
    </message>
    <message>
        <source>Search all queues by name or tracking ID (Ctrl+F)</source>
        <translation>Rechercher dans toutes les files par nom ou numéro de suivi (Ctrl+F)</translation>
    </message>
    <message>
        <source>‹ Previous</source>
        <translation>‹ Précédent</translation>
    </message>
    <message>
        <source>Next ›</source>
        <translation>Suivant ›</translation>
    </message>
    <message>
        <source>Signed in as %1 (%2)</source>
        <translation>Connecté : %1 (%2)</translation>
    </message>
    <message>
        <source>Actions</source>
        <translation>Actions</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Actualiser</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Se déconnecter</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s)</source>
        <translation>
            <numerusform>%n dossier</numerusform>
            <numerusform>%n dossiers</numerusform>
        </translation>
    </message>
    <message>
        <source>No records here.</source>
        <translation>Aucun dossier ici.</translation>
    </message>
    <message>
        <source>No record matches the search.</source>
        <translation>Aucun dossier ne correspond à la recherche.</translation>
    </message>
    <message>
        <source>“Sync now” is unavailable until then.</source>
        <translation>« Synchroniser » reste indisponible jusque-là.</translation>
    </message>
    <message>
        <source>Declared. Tracking ID %1. Identity checks run when the device is online.</source>
        <translation>Déclaré. Numéro de suivi %1. Les vérifications d&apos;identité auront lieu quand l&apos;appareil sera en ligne.</translation>
    </message>
    <message>
        <source>Reject %1</source>
        <translation>Rejeter %1</translation>
    </message>
    <message>
        <source>Register %1? Registration cannot be undone; the record can then only be changed by a correction.</source>
        <translation>Enregistrer %1 ? L&apos;enregistrement est définitif : le dossier ne pourra ensuite être modifié que par une correction.</translation>
    </message>
    <message>
        <source>MOSIP will be asked to issue a national ID number (UIN) for this person.</source>
        <translation>MOSIP sera sollicité pour attribuer un numéro d&apos;identification national (UIN) à cette personne.</translation>
    </message>
    <message>
        <source>The person&apos;s details will be updated in MOSIP.</source>
        <translation>Les informations de la personne seront mises à jour dans MOSIP.</translation>
    </message>
    <message>
        <source>The deceased&apos;s national ID will be deactivated in MOSIP: it can no longer be used to prove their identity.</source>
        <translation>L&apos;identifiant national de la personne décédée sera désactivé dans MOSIP : il ne pourra plus servir à prouver son identité.</translation>
    </message>
    <message>
        <source>Register %1</source>
        <translation>Enregistrer %1</translation>
    </message>
    <message>
        <source>&amp;Register</source>
        <translation>&amp;Enregistrer</translation>
    </message>
    <message>
        <source>The declaration goes to “%1”, where the agent can update and declare it again.</source>
        <translation>La déclaration passe dans « %1 », où l&apos;agent peut la mettre à jour et la déclarer à nouveau.</translation>
    </message>
    <message>
        <source>Say why the declaration is rejected. The reason is kept in the record&apos;s history.</source>
        <translation>Indiquez pourquoi la déclaration est rejetée. Le motif est conservé dans l&apos;historique du dossier.</translation>
    </message>
    <message>
        <source>Reject the correction of %1</source>
        <translation>Rejeter la correction de %1</translation>
    </message>
    <message>
        <source>Say why the correction is refused. The record stays registered as it was; the reason is kept in its history.</source>
        <translation>Indiquez pourquoi la correction est refusée. L’acte reste enregistré tel quel ; le motif est conservé dans son historique.</translation>
    </message>
    <message>
        <source>Remove %1 from the queue</source>
        <translation>Retirer %1 de la file</translation>
    </message>
    <message>
        <source>MOSIP returns no failure for UIN requests. Remove this record from &quot;Awaiting external validation&quot; only after checking with MOSIP; it becomes Registered without a UIN. Give the reason.</source>
        <translation>MOSIP ne signale aucun échec pour les demandes d&apos;UIN. Ne retirez ce dossier de « En attente de validation externe » qu&apos;après vérification auprès de MOSIP ; il devient Enregistré sans UIN. Indiquez le motif.</translation>
    </message>
    <message>
        <source>%1: done. The record is now “%2”.</source>
        <translation>%1 : fait. Le dossier est maintenant « %2 ».</translation>
    </message>
    <message>
        <source>Reject the declaration</source>
        <translation>Rejeter la déclaration</translation>
    </message>
    <message>
        <source>registration agent</source>
        <translation>agent d&apos;enregistrement</translation>
    </message>
    <message>
        <source>supervisor</source>
        <translation>superviseur</translation>
    </message>
    <message>
        <source>registrar</source>
        <translation>officier d&apos;état civil</translation>
    </message>
    <message>
        <source>administrator</source>
        <translation>administrateur</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>This field is required</source>
        <translation>Ce champ est obligatoire</translation>
    </message>
    <message>
        <source>Enter a date as YYYY-MM-DD</source>
        <translation>Saisissez une date au format AAAA-MM-JJ</translation>
    </message>
    <message>
        <source>Choose one of the options</source>
        <translation>Choisissez une des options</translation>
    </message>
    <message>
        <source>This is not a phone number</source>
        <translation>Ce n&apos;est pas un numéro de téléphone</translation>
    </message>
    <message>
        <source>This is not an email address</source>
        <translation>Ce n&apos;est pas une adresse électronique</translation>
    </message>
    <message>
        <source>Enter a number</source>
        <translation>Saisissez un nombre</translation>
    </message>
    <message>
        <source>This does not have the expected format</source>
        <translation>Le format n&apos;est pas celui attendu</translation>
    </message>
    <message>
        <source>This is too long</source>
        <translation>Trop long</translation>
    </message>
    <message>
        <source>This field is not part of the form</source>
        <translation>Ce champ ne fait pas partie du formulaire</translation>
    </message>
    <message>
        <source>This must be text</source>
        <translation>Ce champ doit contenir du texte</translation>
    </message>
</context>
<context>
    <name>Preview</name>
    <message>
        <source>Camera preview</source>
        <translation>Aperçu de la caméra</translation>
    </message>
    <message>
        <source>Starting the camera…</source>
        <translation>Démarrage de la caméra…</translation>
    </message>
</context>
<context>
    <name>QrScanDialog</name>
    <message>
        <source>Scan ID QR — %1</source>
        <translation>Scanner le QR d&apos;identité — %1</translation>
    </message>
    <message>
        <source>Looking for a QR code…</source>
        <translation>Recherche d&apos;un QR code…</translation>
    </message>
    <message>
        <source>&lt;b&gt;Tips&lt;/b&gt;&lt;ul&gt;&lt;li&gt;Hold the ID card flat, 15–25 cm from the camera.&lt;/li&gt;&lt;li&gt;Fit the QR code inside the frame.&lt;/li&gt;&lt;li&gt;Avoid glare: tilt the card slightly under bright light.&lt;/li&gt;&lt;li&gt;Hold still for a moment; the code is read twice to be sure.&lt;/li&gt;&lt;/ul&gt;</source>
        <translation>&lt;b&gt;Conseils&lt;/b&gt;&lt;ul&gt;&lt;li&gt;Tenez la carte bien à plat, à 15–25 cm de la caméra.&lt;/li&gt;&lt;li&gt;Placez le QR code dans le cadre.&lt;/li&gt;&lt;li&gt;Évitez les reflets : inclinez légèrement la carte sous une lumière vive.&lt;/li&gt;&lt;li&gt;Restez immobile un instant ; le code est lu deux fois par sécurité.&lt;/li&gt;&lt;/ul&gt;</translation>
    </message>
    <message>
        <source>Details read from the code</source>
        <translation>Informations lues dans le code</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Scan again</source>
        <translation>Scanner à nouveau</translation>
    </message>
    <message>
        <source>Use these details</source>
        <translation>Utiliser ces informations</translation>
    </message>
    <message>
        <source>The country&apos;s QR settings cannot be used: %1</source>
        <translation>Les réglages QR du pays sont inutilisables : %1</translation>
    </message>
    <message>
        <source>The camera cannot be opened: %1</source>
        <translation>Impossible d&apos;ouvrir la caméra : %1</translation>
    </message>
    <message>
        <source>Signature verified</source>
        <translation>Signature vérifiée</translation>
    </message>
    <message>
        <source>Signed by a trusted issuer (%1). Offline verification does not authenticate the person.</source>
        <translation>Signé par un émetteur de confiance (%1). La vérification hors ligne n&apos;authentifie pas la personne.</translation>
    </message>
    <message>
        <source>Unverified</source>
        <translation>Non vérifié</translation>
    </message>
    <message>
        <source>This code is not signed: the details are unverified. Check them against the card; they will be checked with MOSIP when online.</source>
        <translation>Ce code n&apos;est pas signé : les informations ne sont pas vérifiées. Comparez-les avec la carte ; elles seront vérifiées auprès de MOSIP une fois en ligne.</translation>
    </message>
    <message>
        <source>The code holds no details this section can use.</source>
        <translation>Le code ne contient aucune information utilisable pour cette section.</translation>
    </message>
    <message>
        <source>QR code read. Check the details, then use them.</source>
        <translation>QR code lu. Vérifiez les informations, puis utilisez-les.</translation>
    </message>
    <message>
        <source>Code refused: %1. Scanning continues.</source>
        <translation>Code refusé : %1. Le scan continue.</translation>
    </message>
    <message>
        <source>The camera stopped: %1</source>
        <translation>La caméra s&apos;est arrêtée : %1</translation>
    </message>
    <message>
        <source>Scanning failed: %1</source>
        <translation>Échec du scan : %1</translation>
    </message>
    <message>
        <source>No QR code was found.</source>
        <translation>Aucun QR code n&apos;a été trouvé.</translation>
    </message>
    <message>
        <source>The code was refused: %1</source>
        <translation>Le code a été refusé : %1</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>Reason</source>
        <translation>Motif</translation>
    </message>
</context>
<context>
    <name>RecordListModel</name>
    <message>
        <source>Tracking ID</source>
        <translation>N° de suivi</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Événement</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Statut</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Mis à jour</translation>
    </message>
</context>
<context>
    <name>RecordView</name>
    <message>
        <source>Select a record to see its details.</source>
        <translation>Sélectionnez un dossier pour voir ses détails.</translation>
    </message>
    <message>
        <source>(no name yet)</source>
        <translation>(pas encore de nom)</translation>
    </message>
    <message>
        <source>Tracking ID %1</source>
        <translation>N° de suivi %1</translation>
    </message>
    <message>
        <source>Registration no. %1</source>
        <translation>N° d&apos;enregistrement %1</translation>
    </message>
    <message>
        <source>updated %1</source>
        <translation>mis à jour le %1</translation>
    </message>
    <message>
        <source>Requires attention: %1</source>
        <translation>Nécessite une attention : %1</translation>
    </message>
    <message>
        <source>VID</source>
        <translation>VID</translation>
    </message>
    <message>
        <source>Partner-specific user token from e-Signet</source>
        <translation>Jeton utilisateur propre au partenaire, fourni par e-Signet</translation>
    </message>
    <message>
        <source>PSUT</source>
        <translation>PSUT</translation>
    </message>
    <message>
        <source>Registration ID (RID)</source>
        <translation>Identifiant d&apos;enregistrement (RID)</translation>
    </message>
    <message>
        <source>UIN</source>
        <translation>UIN</translation>
    </message>
    <message>
        <source>Sent to MOSIP</source>
        <translation>Envois à MOSIP</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Historique</translation>
    </message>
    <message>
        <source>Identity checks run when the device is online; the record then moves on by itself.</source>
        <translation>Les vérifications d&apos;identité ont lieu quand l&apos;appareil est en ligne ; le dossier avance ensuite de lui-même.</translation>
    </message>
    <message>
        <source>A supervisor reviews failed identity checks.</source>
        <translation>Un superviseur examine les vérifications d&apos;identité échouées.</translation>
    </message>
    <message>
        <source>Ready for a registrar to register.</source>
        <translation>Prêt à être enregistré par un officier d&apos;état civil.</translation>
    </message>
    <message>
        <source>Waiting for MOSIP to issue the UIN; the record becomes Registered when it does.</source>
        <translation>En attente de l&apos;émission de l&apos;UIN par MOSIP ; le dossier passe alors à Enregistré.</translation>
    </message>
    <message>
        <source>Waiting for a registrar to approve or reject the correction.</source>
        <translation>En attente de l&apos;approbation ou du rejet de la correction par un officier d&apos;état civil.</translation>
    </message>
    <message>
        <source>Continue &amp;editing</source>
        <translation>&amp;Reprendre la saisie</translation>
    </message>
    <message>
        <source>Retry &amp;sending</source>
        <translation>Ren&amp;voyer</translation>
    </message>
    <message>
        <source>Data source</source>
        <translation>Origine des données</translation>
    </message>
    <message>
        <source>You requested this correction, so another registrar must approve it (four-eyes rule).</source>
        <translation>Vous avez demandé cette correction : un autre officier d&apos;état civil doit l&apos;approuver (principe des quatre yeux).</translation>
    </message>
    <message>
        <source>&amp;Validate</source>
        <translation>&amp;Valider</translation>
    </message>
    <message>
        <source>&amp;Register</source>
        <translation>&amp;Enregistrer</translation>
    </message>
    <message>
        <source>Request &amp;correction…</source>
        <translation>Demander une &amp;correction…</translation>
    </message>
    <message>
        <source>&amp;Approve correction…</source>
        <translation>&amp;Approuver la correction…</translation>
    </message>
    <message>
        <source>Re&amp;ject correction…</source>
        <translation>Re&amp;jeter la correction…</translation>
    </message>
    <message>
        <source>Re&amp;ject…</source>
        <translation>Re&amp;jeter…</translation>
    </message>
    <message>
        <source>Re&amp;view failed verification…</source>
        <translation>E&amp;xaminer la vérification échouée…</translation>
    </message>
    <message>
        <source>Re&amp;move from queue…</source>
        <translation>Re&amp;tirer de la file…</translation>
    </message>
    <message>
        <source>Correction requested</source>
        <translation>Correction demandée</translation>
    </message>
    <message>
        <source>reason: %1</source>
        <translation>motif : %1</translation>
    </message>
    <message>
        <source>Operation</source>
        <translation>Opération</translation>
    </message>
    <message>
        <source>State</source>
        <translation>État</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Tentatives</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Dernière erreur</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Quand</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>Qui</translation>
    </message>
    <message>
        <source>What</source>
        <translation>Quoi</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1 : %2</translation>
    </message>
    <message>
        <source>person: %1</source>
        <translation>personne : %1</translation>
    </message>
    <message>
        <source>outcome: %1</source>
        <translation>résultat : %1</translation>
    </message>
    <message>
        <source>did not match: %1</source>
        <translation>non concordant : %1</translation>
    </message>
    <message>
        <source>fields: %1</source>
        <translation>champs : %1</translation>
    </message>
    <message>
        <source>identity checks queued: %1</source>
        <translation>vérifications d&apos;identité en file : %1</translation>
    </message>
    <message>
        <source>MOSIP: %1</source>
        <translation>MOSIP : %1</translation>
    </message>
    <message>
        <source>no MOSIP operation</source>
        <translation>aucune opération MOSIP</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Champ</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>Actuellement</translation>
    </message>
    <message>
        <source>Corrected to</source>
        <translation>Corrigé en</translation>
    </message>
</context>
<context>
    <name>Status</name>
    <message>
        <source>Draft</source>
        <translation>Brouillon</translation>
    </message>
    <message>
        <source>Pending validation</source>
        <translation>En attente de validation</translation>
    </message>
    <message>
        <source>Verification failed</source>
        <translation>Vérification échouée</translation>
    </message>
    <message>
        <source>Ready to register</source>
        <translation>Prêt à enregistrer</translation>
    </message>
    <message>
        <source>Awaiting external validation</source>
        <translation>En attente de validation externe</translation>
    </message>
    <message>
        <source>Registered</source>
        <translation>Enregistré</translation>
    </message>
    <message>
        <source>Correction requested</source>
        <translation>Correction demandée</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>Rejeté</translation>
    </message>
    <message>
        <source>Birth</source>
        <translation>Naissance</translation>
    </message>
    <message>
        <source>Death</source>
        <translation>Décès</translation>
    </message>
    <message>
        <source>Birth declaration</source>
        <translation>Déclaration de naissance</translation>
    </message>
    <message>
        <source>Death declaration</source>
        <translation>Déclaration de décès</translation>
    </message>
    <message>
        <source>New birth declaration</source>
        <translation>Nouvelle déclaration de naissance</translation>
    </message>
    <message>
        <source>New death declaration</source>
        <translation>Nouvelle déclaration de décès</translation>
    </message>
    <message>
        <source>Not checked</source>
        <translation>Non vérifié</translation>
    </message>
    <message>
        <source>ID verified</source>
        <translation>Identité vérifiée</translation>
    </message>
    <message>
        <source>Authenticated (e-Signet)</source>
        <translation>Authentifié (e-Signet)</translation>
    </message>
    <message>
        <source>signed QR code</source>
        <translation>code QR signé</translation>
    </message>
    <message>
        <source>unsigned QR code (unverified)</source>
        <translation>code QR non signé (non vérifié)</translation>
    </message>
    <message>
        <source>e-Signet</source>
        <translation>e-Signet</translation>
    </message>
    <message>
        <source>typed by hand</source>
        <translation>saisi à la main</translation>
    </message>
    <message>
        <source>edited by hand after %1</source>
        <translation>modifié à la main après %1</translation>
    </message>
    <message>
        <source>Draft created</source>
        <translation>Brouillon créé</translation>
    </message>
    <message>
        <source>Draft saved</source>
        <translation>Brouillon enregistré</translation>
    </message>
    <message>
        <source>Declared</source>
        <translation>Déclaré</translation>
    </message>
    <message>
        <source>Validate</source>
        <translation>Valider</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>Enregistrer</translation>
    </message>
    <message>
        <source>Request correction</source>
        <translation>Demande de correction</translation>
    </message>
    <message>
        <source>Approve correction</source>
        <translation>Approbation de la correction</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Rejet</translation>
    </message>
    <message>
        <source>Reject correction</source>
        <translation>Rejet de la correction</translation>
    </message>
    <message>
        <source>Review and re-check</source>
        <translation>Examen et nouvelle vérification</translation>
    </message>
    <message>
        <source>Remove from queue</source>
        <translation>Retrait de la file</translation>
    </message>
    <message>
        <source>Identity check result</source>
        <translation>Résultat de la vérification d&apos;identité</translation>
    </message>
    <message>
        <source>Late identity check result</source>
        <translation>Résultat tardif de la vérification d&apos;identité</translation>
    </message>
    <message>
        <source>MOSIP confirmed the UIN</source>
        <translation>MOSIP a confirmé l&apos;UIN</translation>
    </message>
    <message>
        <source>Late MOSIP confirmation</source>
        <translation>Confirmation MOSIP tardive</translation>
    </message>
    <message>
        <source>Authenticated with e-Signet</source>
        <translation>Authentifié avec e-Signet</translation>
    </message>
    <message>
        <source>Flagged for attention</source>
        <translation>Signalé pour attention</translation>
    </message>
    <message>
        <source>Data source</source>
        <translation>Origine des données</translation>
    </message>
    <message>
        <source>Waiting to send</source>
        <translation>En attente d&apos;envoi</translation>
    </message>
    <message>
        <source>Sending</source>
        <translation>Envoi en cours</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Envoyé</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Échec</translation>
    </message>
    <message>
        <source>Needs attention</source>
        <translation>Nécessite une attention</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Annulé</translation>
    </message>
    <message>
        <source>Identity check (IDA)</source>
        <translation>Vérification d&apos;identité (IDA)</translation>
    </message>
    <message>
        <source>UIN creation</source>
        <translation>Création d&apos;UIN</translation>
    </message>
    <message>
        <source>Biographic update</source>
        <translation>Mise à jour biographique</translation>
    </message>
    <message>
        <source>Mark deceased</source>
        <translation>Signaler le décès</translation>
    </message>
    <message>
        <source>name</source>
        <translation>nom</translation>
    </message>
    <message>
        <source>date of birth</source>
        <translation>date de naissance</translation>
    </message>
    <message>
        <source>sex</source>
        <translation>sexe</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>téléphone</translation>
    </message>
    <message>
        <source>email</source>
        <translation>courriel</translation>
    </message>
</context>
<context>
    <name>SupervisorReview</name>
    <message>
        <source>Review failed identity verification · %1</source>
        <translation>Examen d&apos;une vérification d&apos;identité échouée · %1</translation>
    </message>
    <message>
        <source>MOSIP did not confirm the highlighted details. Compare them with the person&apos;s documents, correct what was typed wrongly, then re-check. If the declaration cannot be trusted, reject it with a reason.</source>
        <translation>MOSIP n&apos;a pas confirmé les informations surlignées. Comparez-les avec les documents de la personne, corrigez les erreurs de saisie, puis relancez la vérification. Si la déclaration n&apos;est pas fiable, rejetez-la en indiquant le motif.</translation>
    </message>
    <message>
        <source>Did not match the MOSIP record</source>
        <translation>Ne correspond pas au registre MOSIP</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Retour</translation>
    </message>
    <message>
        <source>Reject…</source>
        <translation>Rejeter…</translation>
    </message>
    <message>
        <source>Save and re-check identity</source>
        <translation>Enregistrer et revérifier l&apos;identité</translation>
    </message>
    <message>
        <source>Fix the highlighted fields first.</source>
        <translation>Corrigez d&apos;abord les champs surlignés.</translation>
    </message>
    <message>
        <source>The declaration is not complete: fix the fields shown.</source>
        <translation>La déclaration n&apos;est pas complète : corrigez les champs signalés.</translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message>
        <source>Sync now</source>
        <translation>Synchroniser</translation>
    </message>
    <message>
        <source>The sync agent is not running in this window</source>
        <translation>L&apos;agent de synchronisation ne tourne pas dans cette fenêtre</translation>
    </message>
    <message>
        <source>Sync off</source>
        <translation>Synchro désactivée</translation>
    </message>
    <message>
        <source>No sync agent runs in this window: work stays on the device.</source>
        <translation>Aucun agent de synchronisation ne tourne dans cette fenêtre : le travail reste sur l&apos;appareil.</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>En ligne</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Hors ligne</translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) waiting to send</source>
        <translation>
            <numerusform>%n élément en attente d&apos;envoi</numerusform>
            <numerusform>%n éléments en attente d&apos;envoi</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n need(s) attention</source>
        <translation>
            <numerusform>%n nécessite une attention</numerusform>
            <numerusform>%n nécessitent une attention</numerusform>
        </translation>
    </message>
    <message>
        <source>Syncing %v/%m</source>
        <translation>Synchronisation %v/%m</translation>
    </message>
    <message>
        <source>Last sync %1</source>
        <translation>Dernière synchro %1</translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation>Pas encore synchronisé</translation>
    </message>
    <message>
        <source>The last sync attempt failed; it is tried again automatically.</source>
        <translation>La dernière synchronisation a échoué ; elle sera retentée automatiquement.</translation>
    </message>
    <message>
        <source>Send the waiting work now</source>
        <translation>Envoyer maintenant le travail en attente</translation>
    </message>
    <message>
        <source>The device is offline: nothing can be sent now. Work is kept on this device and sent by itself when the connection returns.</source>
        <translation>L’appareil est hors ligne : rien ne peut être envoyé pour l’instant. Le travail est conservé sur cet appareil et envoyé automatiquement au retour de la connexion.</translation>
    </message>
</context>
</TS>
