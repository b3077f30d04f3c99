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
        <translation>Motif indiqué&#xa0;: %1</translation>
    </message>
    <message>
        <source>Approving applies the changes. To refuse the correction, use Reject.</source>
        <translation>Approuver applique les modifications. Pour refuser la correction, utilisez Rejeter.</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>Approuver</translation>
    </message>
</context>
<context>
    <name>BackupDialog</name>
    <message>
        <source>%1 MB</source>
        <translation>%1 Mo</translation>
    </message>
    <message>
        <source>%1 kB</source>
        <translation>%1 ko</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1&#xa0;: %2</translation>
    </message>
    <message>
        <source>%1: not reachable (%2)</source>
        <translation>%1&#xa0;: injoignable (%2)</translation>
    </message>
    <message numerus="yes">
        <source>%n archive(s)</source>
        <translation>
            <numerusform>%n archive</numerusform>
            <numerusform>%n archives</numerusform>
        </translation>
    </message>
    <message>
        <source>Archive</source>
        <translation>Archive</translation>
    </message>
    <message>
        <source>Asking the destinations…</source>
        <translation>Interrogation des destinations…</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>Sauvegarder maintenant</translation>
    </message>
    <message>
        <source>Backup done: %1.</source>
        <translation>Sauvegarde faite&#xa0;: %1.</translation>
    </message>
    <message>
        <source>Backup done: %1. Failed: %2</source>
        <translation>Sauvegarde faite&#xa0;: %1. Échec&#xa0;: %2</translation>
    </message>
    <message>
        <source>Backups</source>
        <translation>Sauvegardes</translation>
    </message>
    <message>
        <source>Backups…</source>
        <translation>Sauvegardes…</translation>
    </message>
    <message>
        <source>Copying the database for %1… %2 %</source>
        <translation>Copie de la base pour %1… %2&#xa0;%</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Historique</translation>
    </message>
    <message>
        <source>Kept now</source>
        <translation>Conservées</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Actualiser</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Résultat</translation>
    </message>
    <message>
        <source>Sending to %1… %2 of %3</source>
        <translation>Envoi vers %1… %2 sur %3</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Démarrage…</translation>
    </message>
    <message>
        <source>When</source>
        <translation>Quand</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Où</translation>
    </message>
    <message>
        <source>error %1</source>
        <translation>erreur %1</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>échec&#xa0;: %1</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>réussie</translation>
    </message>
    <message>
        <source>the relay&apos;s address or this device&apos;s credential is not set up</source>
        <translation>l’adresse du relais ou l’identifiant de cet appareil n’est pas configuré</translation>
    </message>
    <message>
        <source>the system refused (error %1)</source>
        <translation>refus du système (erreur %1)</translation>
    </message>
    <message>
        <source>⚠ Backup failed: %1</source>
        <translation>⚠ Échec de la sauvegarde&#xa0;: %1</translation>
    </message>
    <message numerus="yes">
        <source>⚠ No backup succeeded for more than %n hour(s): back up now, or check the destinations below.</source>
        <translation>
            <numerusform>⚠ Aucune sauvegarde réussie depuis plus de %n heure&#xa0;: sauvegardez maintenant ou vérifiez les destinations ci-dessous.</numerusform>
            <numerusform>⚠ Aucune sauvegarde réussie depuis plus de %n heures&#xa0;: sauvegardez maintenant ou vérifiez les destinations ci-dessous.</numerusform>
        </translation>
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
        <translation>Dernière sauvegarde&#xa0;: %1 (%2)</translation>
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
        <translation>Dernière tentative vers %1 échouée&#xa0;: %2</translation>
    </message>
    <message>
        <source>the folder is not there (is the USB stick plugged in?)</source>
        <translation>le dossier est absent (la clé USB est-elle branchée&#xa0;?)</translation>
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
        <source>The person in the declaration who asked for the correction, if any</source>
        <translation>La personne de la déclaration qui a demandé la correction, le cas échéant</translation>
    </message>
    <message>
        <source>Who asked for it</source>
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
    <message numerus="yes">
        <source>%n problem(s) to fix before submitting</source>
        <translation>
            <numerusform>%n problème à corriger avant l&apos;envoi</numerusform>
            <numerusform>%n problèmes à corriger avant l&apos;envoi</numerusform>
        </translation>
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
        <translation>Non enregistré&#xa0;: %1</translation>
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
        <source>Some details are unusual: check them; submitting asks you to confirm them.</source>
        <translation>Certaines informations sont inhabituelles&#xa0;: vérifiez-les&#xa0;; l’envoi vous demandera de les confirmer.</translation>
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
        <source>submit this declaration</source>
        <translation>envoyer cette déclaration</translation>
    </message>
    <message>
        <source>Declared</source>
        <translation>Déclaré</translation>
    </message>
    <message>
        <source>Not submitted: %1</source>
        <translation>Non envoyé&#xa0;: %1</translation>
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
        <source>%1 Everything typed is kept.</source>
        <translation>%1 Tout ce qui a été saisi est conservé.</translation>
    </message>
    <message>
        <source>The e-Signet login did not complete.</source>
        <translation>La connexion e-Signet n&apos;a pas abouti.</translation>
    </message>
    <message>
        <source>Authenticated with e-Signet</source>
        <translation>Authentifié avec e-Signet</translation>
    </message>
    <message>
        <source>Identity confirmed by e-Signet; details filled from the ID record.</source>
        <translation>Identité confirmée par e-Signet&#xa0;; informations reprises du registre d&apos;identité.</translation>
    </message>
    <message>
        <source>Unavailable: %1</source>
        <translation>Indisponible&#xa0;: %1</translation>
    </message>
    <message>
        <source>the device is offline</source>
        <translation>l&apos;appareil est hors ligne</translation>
    </message>
    <message>
        <source>Login in progress in the e-Signet window.</source>
        <translation>Connexion en cours dans la fenêtre e-Signet.</translation>
    </message>
    <message>
        <source>Try e-Signet again</source>
        <translation>Réessayer e-Signet</translation>
    </message>
    <message>
        <source>Preferred: confirms the person&apos;s identity now.</source>
        <translation>Recommandé&#xa0;: confirme l&apos;identité de la personne dès maintenant.</translation>
    </message>
</context>
<context>
    <name>ESignetLoginDialog</name>
    <message>
        <source>e-Signet login</source>
        <translation>Connexion e-Signet</translation>
    </message>
    <message>
        <source>QR code of the login link</source>
        <translation>Code QR du lien de connexion</translation>
    </message>
    <message>
        <source>Login link:</source>
        <translation>Lien de connexion&#xa0;:</translation>
    </message>
    <message>
        <source>Copy link</source>
        <translation>Copier le lien</translation>
    </message>
    <message>
        <source>Finished on a phone? Its browser then stops on a page that does not open. Copy that page&apos;s address and paste it here:</source>
        <translation>Terminé sur un téléphone&#xa0;? Son navigateur s&apos;arrête alors sur une page qui ne s&apos;ouvre pas. Copiez l&apos;adresse de cette page et collez-la ici&#xa0;:</translation>
    </message>
    <message>
        <source>Use this address</source>
        <translation>Utiliser cette adresse</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Connecting to e-Signet…</source>
        <translation>Connexion à e-Signet…</translation>
    </message>
    <message>
        <source>Stopping the login…</source>
        <translation>Arrêt de la connexion…</translation>
    </message>
    <message>
        <source>Nothing is written.</source>
        <translation>Rien n&apos;est enregistré.</translation>
    </message>
    <message>
        <source>Complete the login in your browser</source>
        <translation>Terminez la connexion dans votre navigateur</translation>
    </message>
    <message>
        <source>The e-Signet page is open in your web browser. This window closes by itself once the login is done.</source>
        <translation>La page e-Signet est ouverte dans votre navigateur web. Cette fenêtre se fermera d&apos;elle-même une fois la connexion terminée.</translation>
    </message>
    <message>
        <source>No browser found on this computer</source>
        <translation>Aucun navigateur trouvé sur cet ordinateur</translation>
    </message>
    <message>
        <source>Open the link below in a web browser on this computer (Copy link), or scan the code with a phone to complete the login there.</source>
        <translation>Ouvrez le lien ci-dessous dans un navigateur web de cet ordinateur (Copier le lien), ou scannez le code avec un téléphone pour y terminer la connexion.</translation>
    </message>
    <message>
        <source>Checking e-Signet&apos;s answer…</source>
        <translation>Vérification de la réponse d&apos;e-Signet…</translation>
    </message>
    <message>
        <source>The person completed the login; their data is being checked.</source>
        <translation>La personne a terminé la connexion&#xa0;; ses données sont en cours de vérification.</translation>
    </message>
    <message>
        <source>Time left: %1</source>
        <translation>Temps restant&#xa0;: %1</translation>
    </message>
    <message>
        <source>Copied.</source>
        <translation>Copié.</translation>
    </message>
    <message>
        <source>This is not the address e-Signet sent back for this login. It starts with %1</source>
        <translation>Ce n&apos;est pas l&apos;adresse renvoyée par e-Signet pour cette connexion. Elle commence par %1</translation>
    </message>
    <message>
        <source>Passing the answer on…</source>
        <translation>Transmission de la réponse…</translation>
    </message>
    <message>
        <source>e-Signet did not complete the login on that device.</source>
        <translation>e-Signet n&apos;a pas terminé la connexion sur cet appareil.</translation>
    </message>
    <message>
        <source>This login is no longer waiting for an answer.</source>
        <translation>Cette connexion n&apos;attend plus de réponse.</translation>
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
        <translation>«&#xa0;{action}&#xa0;» demande le rôle {roles}&#xa0;; vous êtes {role}.</translation>
    </message>
    <message>
        <source>“{action}” is not possible for a record in status “{status}”.</source>
        <translation>«&#xa0;{action}&#xa0;» n&apos;est pas possible pour un dossier au statut «&#xa0;{status}&#xa0;».</translation>
    </message>
    <message>
        <source>You requested this correction, so another registrar must approve it (four-eyes rule).</source>
        <translation>Vous avez demandé cette correction&#xa0;: un autre officier d&apos;état civil doit l&apos;approuver (principe des quatre yeux).</translation>
    </message>
    <message>
        <source>Unknown user or wrong PIN</source>
        <translation>Utilisateur inconnu ou code PIN erroné</translation>
    </message>
    <message>
        <source>Too many wrong PINs: try again in {seconds} s</source>
        <translation>Trop de codes PIN erronés&#xa0;: réessayez dans {seconds} s</translation>
    </message>
    <message>
        <source>This PIN is too weak: use at least {min_length} characters, not all alike.</source>
        <translation>Ce code PIN est trop faible&#xa0;: utilisez au moins {min_length} caractères, pas tous identiques.</translation>
    </message>
    <message>
        <source>Only an administrator can do this.</source>
        <translation>Seul un administrateur peut faire cela.</translation>
    </message>
    <message>
        <source>The device lacks the secret “{name}”: ask an administrator to import it.</source>
        <translation>Il manque à l&apos;appareil le secret «&#xa0;{name}&#xa0;»&#xa0;: demandez à un administrateur de l&apos;importer.</translation>
    </message>
    <message>
        <source>MOSIP refused this device&apos;s credentials: ask an administrator.</source>
        <translation>MOSIP a refusé les identifiants de cet appareil&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>MOSIP&apos;s answer could not be read; it will be tried again later.</source>
        <translation>La réponse de MOSIP n&apos;a pas pu être lue&#xa0;; un nouvel essai aura lieu plus tard.</translation>
    </message>
    <message>
        <source>No QR code was found in the picture.</source>
        <translation>Aucun code QR n&apos;a été trouvé dans l&apos;image.</translation>
    </message>
    <message>
        <source>e-Signet cannot be reached. Enter the details by hand or scan the ID card; nothing was changed.</source>
        <translation>e-Signet est injoignable. Saisissez les informations à la main ou scannez la carte d&apos;identité&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The connection to e-Signet was lost. Enter the details by hand or scan the ID card; nothing was changed.</source>
        <translation>La connexion à e-Signet a été perdue. Saisissez les informations à la main ou scannez la carte d&apos;identité&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The login was cancelled; nothing was changed.</source>
        <translation>La connexion a été annulée&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The e-Signet login took too long and was stopped; nothing was changed.</source>
        <translation>La connexion e-Signet a pris trop de temps et a été arrêtée&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet did not answer in time; nothing was changed.</source>
        <translation>e-Signet n&apos;a pas répondu à temps&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet did not send the person&apos;s data in time; nothing was changed.</source>
        <translation>e-Signet n&apos;a pas envoyé les données de la personne à temps&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet sent an answer that is too large; nothing was changed.</source>
        <translation>e-Signet a envoyé une réponse trop volumineuse&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet did not say how the person was authenticated, so the person is not marked authenticated; nothing was changed.</source>
        <translation>e-Signet n&apos;a pas indiqué comment la personne a été authentifiée&#xa0;: elle n&apos;est donc pas marquée comme authentifiée&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The person was authenticated by a method this country does not accept ({acr}), so the person is not marked authenticated; nothing was changed.</source>
        <translation>La personne a été authentifiée par une méthode que ce pays n&apos;accepte pas ({acr})&#xa0;: elle n&apos;est donc pas marquée comme authentifiée&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet sent the person&apos;s data unencrypted although this device requires encryption; nothing was changed.</source>
        <translation>e-Signet a envoyé les données de la personne sans chiffrement alors que cet appareil l&apos;exige&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The person&apos;s data was issued by another provider; nothing was changed.</source>
        <translation>Les données de la personne ont été émises par un autre fournisseur&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>This computer cannot receive e-Signet&apos;s answer: its ports are in use. Nothing was changed.</source>
        <translation>Cet ordinateur ne peut pas recevoir la réponse d&apos;e-Signet&#xa0;: ses ports sont occupés. Rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The browser could not be opened; nothing was changed.</source>
        <translation>Le navigateur n&apos;a pas pu être ouvert&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet&apos;s data does not fit the form ({fields}); nothing was changed.</source>
        <translation>Les données d&apos;e-Signet ne correspondent pas au formulaire ({fields})&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>Authenticated with e-Signet; {count} fields filled in.</source>
        <translation>Authentifié avec e-Signet&#xa0;; {count} champs remplis.</translation>
    </message>
    <message>
        <source>Authenticated with e-Signet; the record is no longer a draft, so its {count} fields from e-Signet were not written into it.</source>
        <translation>Authentifié avec e-Signet&#xa0;; le dossier n&apos;est plus un brouillon, ses {count} champs venant d&apos;e-Signet n&apos;y ont donc pas été écrits.</translation>
    </message>
    <message>
        <source>This is not possible for this record now.</source>
        <translation>Ce n&apos;est pas possible pour ce dossier maintenant.</translation>
    </message>
    <message>
        <source>“{action}” is not done on this device: it works with another system ({mode}).</source>
        <translation>«&#xa0;{action}&#xa0;» ne se fait pas sur cet appareil&#xa0;: il fonctionne avec un autre système ({mode}).</translation>
    </message>
    <message>
        <source>This country does not declare “{event}”.</source>
        <translation>Ce pays ne déclare pas «&#xa0;{event}&#xa0;».</translation>
    </message>
    <message>
        <source>“{action}” is not an action on a record.</source>
        <translation>«&#xa0;{action}&#xa0;» n&apos;est pas une action sur un dossier.</translation>
    </message>
    <message>
        <source>There is no queue “{queue}”.</source>
        <translation>Il n&apos;existe pas de file «&#xa0;{queue}&#xa0;».</translation>
    </message>
    <message>
        <source>“{action}” needs a reason.</source>
        <translation>«&#xa0;{action}&#xa0;» demande un motif.</translation>
    </message>
    <message>
        <source>“{action}” is done by the device, not by a person.</source>
        <translation>«&#xa0;{action}&#xa0;» est fait par l&apos;appareil, pas par une personne.</translation>
    </message>
    <message>
        <source>“{action}” is not possible yet: the identity check failed for {sections}. A supervisor must review it first.</source>
        <translation>«&#xa0;{action}&#xa0;» n&apos;est pas encore possible&#xa0;: la vérification d&apos;identité a échoué pour {sections}. Un superviseur doit d&apos;abord l&apos;examiner.</translation>
    </message>
    <message>
        <source>“{action}” is not possible yet: the identity check of {sections} is still waiting. It runs when the device is online.</source>
        <translation>«&#xa0;{action}&#xa0;» n&apos;est pas encore possible&#xa0;: la vérification d&apos;identité de {sections} est en attente. Elle se fait quand l&apos;appareil est en ligne.</translation>
    </message>
    <message>
        <source>The correction changes nothing.</source>
        <translation>La correction ne change rien.</translation>
    </message>
    <message>
        <source>There is nothing to re-check: no identity check failed and nothing is stuck.</source>
        <translation>Il n&apos;y a rien à revérifier&#xa0;: aucune vérification d&apos;identité n&apos;a échoué et rien n&apos;est bloqué.</translation>
    </message>
    <message>
        <source>“{section}” is not a person on this form.</source>
        <translation>«&#xa0;{section}&#xa0;» n&apos;est pas une personne de ce formulaire.</translation>
    </message>
    <message>
        <source>Only a QR code can fill in a person&apos;s details.</source>
        <translation>Seul un code QR peut remplir les informations d&apos;une personne.</translation>
    </message>
    <message>
        <source>The details read belong to another person than {section}.</source>
        <translation>Les informations lues concernent une autre personne que {section}.</translation>
    </message>
    <message>
        <source>Say which event is declared.</source>
        <translation>Indiquez quel événement est déclaré.</translation>
    </message>
    <message>
        <source>The declaration is not complete: fix the fields shown.</source>
        <translation>La déclaration est incomplète&#xa0;: corrigez les champs signalés.</translation>
    </message>
    <message>
        <source>This is not allowed now; nothing was changed.</source>
        <translation>Ce n&apos;est pas autorisé maintenant&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The input is not valid; nothing was changed.</source>
        <translation>Les données saisies ne sont pas valides&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>A service cannot be reached now; try again later.</source>
        <translation>Un service est injoignable pour le moment&#xa0;; réessayez plus tard.</translation>
    </message>
    <message>
        <source>The device&apos;s configuration must be fixed: ask an administrator.</source>
        <translation>La configuration de l&apos;appareil doit être corrigée&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>Sending stopped: the device&apos;s MOSIP settings must be fixed. Ask an administrator.</source>
        <translation>L&apos;envoi est arrêté&#xa0;: les réglages MOSIP de l&apos;appareil doivent être corrigés. Adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>The identity service refused this device&apos;s credentials ({codes}): ask an administrator.</source>
        <translation>Le service d&apos;identité a refusé les identifiants de cet appareil ({codes})&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>MOSIP refused this device&apos;s credentials ({code}): ask an administrator.</source>
        <translation>MOSIP a refusé les identifiants de cet appareil ({code})&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>MOSIP&apos;s sign-in service gave an unexpected answer: ask an administrator to check its address.</source>
        <translation>Le service de connexion de MOSIP a donné une réponse inattendue&#xa0;: demandez à un administrateur de vérifier son adresse.</translation>
    </message>
    <message>
        <source>MOSIP refused to send this device its confirmations: ask an administrator.</source>
        <translation>MOSIP refuse d&apos;envoyer ses confirmations à cet appareil&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>The answer was too large and was not read.</source>
        <translation>La réponse était trop volumineuse et n&apos;a pas été lue.</translation>
    </message>
    <message>
        <source>The answer took too long and was stopped.</source>
        <translation>La réponse a pris trop de temps et a été interrompue.</translation>
    </message>
    <message>
        <source>The request was cancelled.</source>
        <translation>La demande a été annulée.</translation>
    </message>
    <message>
        <source>The data to send to MOSIP is incomplete; it was not sent.</source>
        <translation>Les données à envoyer à MOSIP sont incomplètes&#xa0;; elles n&apos;ont pas été envoyées.</translation>
    </message>
    <message>
        <source>The confirmations relay cannot be reached now.</source>
        <translation>Le relais des confirmations est injoignable pour le moment.</translation>
    </message>
    <message>
        <source>OpenCRVS cannot take it now; it is tried again later.</source>
        <translation>OpenCRVS ne peut pas le prendre maintenant&#xa0;; un nouvel essai aura lieu plus tard.</translation>
    </message>
    <message>
        <source>OpenCRVS refused this device&apos;s access: ask an administrator.</source>
        <translation>OpenCRVS a refusé l&apos;accès de cet appareil&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>OpenCRVS&apos;s sign-in service gave an answer that cannot be used: ask an administrator.</source>
        <translation>Le service de connexion d&apos;OpenCRVS a donné une réponse inutilisable&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>OpenCRVS refused {fields} field(s): correct them.</source>
        <translation>OpenCRVS a refusé {fields} champ(s)&#xa0;: corrigez-les.</translation>
    </message>
    <message>
        <source>OpenCRVS cannot do this now: the record is busy there.</source>
        <translation>OpenCRVS ne peut pas le faire maintenant&#xa0;: le dossier y est en cours de traitement.</translation>
    </message>
    <message>
        <source>OpenCRVS refused the request (HTTP {status}).</source>
        <translation>OpenCRVS a refusé la demande (HTTP {status}).</translation>
    </message>
    <message>
        <source>The declaration is too large for OpenCRVS.</source>
        <translation>La déclaration est trop volumineuse pour OpenCRVS.</translation>
    </message>
    <message>
        <source>This device is not set up to send to OpenCRVS: ask an administrator.</source>
        <translation>Cet appareil n&apos;est pas configuré pour envoyer à OpenCRVS&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>This device sends declarations to OpenCRVS, not to MOSIP: ask an administrator about this item.</source>
        <translation>Cet appareil envoie les déclarations à OpenCRVS, pas à MOSIP&#xa0;: demandez à un administrateur ce qu&apos;il faut faire de cet élément.</translation>
    </message>
    <message>
        <source>This device does not receive MOSIP&apos;s confirmations itself; OpenCRVS does.</source>
        <translation>Cet appareil ne reçoit pas lui-même les confirmations de MOSIP&#xa0;; OpenCRVS les reçoit.</translation>
    </message>
    <message>
        <source>The OpenCRVS settings of this device must be fixed: ask an administrator.</source>
        <translation>Les réglages OpenCRVS de cet appareil doivent être corrigés&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>The confirmations relay does not know this device (its access was revoked?): ask an administrator.</source>
        <translation>Le relais des confirmations ne connaît pas cet appareil (son accès a-t-il été révoqué&#xa0;?)&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>The confirmations relay refused the request: ask an administrator.</source>
        <translation>Le relais des confirmations a refusé la demande&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>The confirmations relay knows this device by another administrator key: the device&apos;s sign-in file may have been replaced. Nothing was sent; ask an administrator.</source>
        <translation>Le relais des confirmations connaît cet appareil sous une autre clé d&apos;administrateur&#xa0;: le fichier de connexion de l&apos;appareil a peut-être été remplacé. Rien n&apos;a été envoyé&#xa0;; adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>e-Signet is not set up correctly on this device: ask an administrator. Nothing was changed.</source>
        <translation>e-Signet n&apos;est pas correctement configuré sur cet appareil&#xa0;: adressez-vous à un administrateur. Rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet refused the login; nothing was changed.</source>
        <translation>e-Signet a refusé la connexion&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet&apos;s answer failed a security check and was not used; nothing was changed.</source>
        <translation>La réponse d&apos;e-Signet n&apos;a pas passé un contrôle de sécurité et n&apos;a pas été utilisée&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet failed to complete the login (HTTP {status}); nothing was changed.</source>
        <translation>e-Signet n&apos;a pas pu terminer la connexion (HTTP {status})&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet&apos;s answer was incomplete and was not used; nothing was changed.</source>
        <translation>La réponse d&apos;e-Signet était incomplète et n&apos;a pas été utilisée&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet refused to send the person&apos;s data (HTTP {status}); nothing was changed.</source>
        <translation>e-Signet a refusé d&apos;envoyer les données de la personne (HTTP {status})&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet sent the person&apos;s data unsigned, so it was not used; nothing was changed.</source>
        <translation>e-Signet a envoyé les données de la personne sans signature&#xa0;: elles n&apos;ont pas été utilisées&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet sent data about another person, so it was not used; nothing was changed.</source>
        <translation>e-Signet a envoyé les données d&apos;une autre personne&#xa0;: elles n&apos;ont pas été utilisées&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>The person&apos;s data from e-Signet had expired and was not used; nothing was changed.</source>
        <translation>Les données de la personne venant d&apos;e-Signet avaient expiré et n&apos;ont pas été utilisées&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>e-Signet&apos;s data was meant for another service, so it was not used; nothing was changed.</source>
        <translation>Les données d&apos;e-Signet étaient destinées à un autre service&#xa0;: elles n&apos;ont pas été utilisées&#xa0;; rien n&apos;a été modifié.</translation>
    </message>
    <message>
        <source>A secret this device needs cannot be read: ask an administrator.</source>
        <translation>Un secret nécessaire à cet appareil est illisible&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>QR codes cannot be read on this computer.</source>
        <translation>Les codes QR ne peuvent pas être lus sur cet ordinateur.</translation>
    </message>
    <message>
        <source>The QR code could not be used.</source>
        <translation>Le code QR n&apos;a pas pu être utilisé.</translation>
    </message>
    <message>
        <source>The QR code holds too much data.</source>
        <translation>Le code QR contient trop de données.</translation>
    </message>
    <message>
        <source>The QR code is empty.</source>
        <translation>Le code QR est vide.</translation>
    </message>
    <message>
        <source>This is not an ID card&apos;s QR code.</source>
        <translation>Ce n&apos;est pas le code QR d&apos;une carte d&apos;identité.</translation>
    </message>
    <message>
        <source>This kind of QR code is not accepted in this country.</source>
        <translation>Ce type de code QR n&apos;est pas accepté dans ce pays.</translation>
    </message>
    <message>
        <source>The QR code is damaged.</source>
        <translation>Le code QR est endommagé.</translation>
    </message>
    <message>
        <source>The QR code is incomplete.</source>
        <translation>Le code QR est incomplet.</translation>
    </message>
    <message>
        <source>The QR code&apos;s signature block is damaged.</source>
        <translation>Le bloc de signature du code QR est endommagé.</translation>
    </message>
    <message>
        <source>This kind of QR code cannot be read (encrypted or unknown).</source>
        <translation>Ce type de code QR ne peut pas être lu (chiffré ou inconnu).</translation>
    </message>
    <message>
        <source>The QR code is not signed, and this country requires a signature.</source>
        <translation>Le code QR n&apos;est pas signé, et ce pays exige une signature.</translation>
    </message>
    <message>
        <source>The QR code was signed by an issuer that is not trusted in this country.</source>
        <translation>Le code QR a été signé par un émetteur qui n&apos;est pas reconnu dans ce pays.</translation>
    </message>
    <message>
        <source>The QR code&apos;s signature is not valid: the data may have been altered.</source>
        <translation>La signature du code QR n&apos;est pas valide&#xa0;: les données ont peut-être été modifiées.</translation>
    </message>
    <message>
        <source>The QR code has expired or is not valid yet.</source>
        <translation>Le code QR a expiré ou n&apos;est pas encore valide.</translation>
    </message>
    <message>
        <source>The QR code holds a value that cannot be read.</source>
        <translation>Le code QR contient une valeur illisible.</translation>
    </message>
    <message>
        <source>The QR code holds no identity details.</source>
        <translation>Le code QR ne contient aucune information d&apos;identité.</translation>
    </message>
    <message>
        <source>The file cannot be read.</source>
        <translation>Le fichier est illisible.</translation>
    </message>
    <message>
        <source>This is not a file.</source>
        <translation>Ce n&apos;est pas un fichier.</translation>
    </message>
    <message>
        <source>The file is too large (at most {limit} bytes).</source>
        <translation>Le fichier est trop volumineux ({limit} octets au plus).</translation>
    </message>
    <message>
        <source>The file is not text (UTF-8).</source>
        <translation>Le fichier n&apos;est pas du texte (UTF-8).</translation>
    </message>
    <message>
        <source>The file is not valid JSON.</source>
        <translation>Le fichier n&apos;est pas du JSON valide.</translation>
    </message>
    <message>
        <source>The file is nested too deeply.</source>
        <translation>Le fichier est imbriqué trop profondément.</translation>
    </message>
    <message>
        <source>This device&apos;s data cannot be opened: ask an administrator.</source>
        <translation>Les données de cet appareil ne peuvent pas être ouvertes&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>The device&apos;s data folder is not a folder.</source>
        <translation>Le dossier de données de l&apos;appareil n&apos;est pas un dossier.</translation>
    </message>
    <message>
        <source>An agent key file already exists there: remove it first.</source>
        <translation>Un fichier de clé d&apos;agent existe déjà à cet endroit&#xa0;: supprimez-le d&apos;abord.</translation>
    </message>
    <message>
        <source>The agent key&apos;s folder does not exist.</source>
        <translation>Le dossier de la clé d&apos;agent n&apos;existe pas.</translation>
    </message>
    <message>
        <source>The agent key could not be written.</source>
        <translation>La clé d&apos;agent n&apos;a pas pu être écrite.</translation>
    </message>
    <message>
        <source>This device setting is not valid.</source>
        <translation>Ce réglage de l&apos;appareil n&apos;est pas valide.</translation>
    </message>
    <message>
        <source>The device&apos;s settings were altered outside the application: ask an administrator.</source>
        <translation>Les réglages de l&apos;appareil ont été modifiés en dehors de l&apos;application&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>Only an administrator, signed in with their PIN, can do this.</source>
        <translation>Seul un administrateur connecté avec son code PIN peut faire cela.</translation>
    </message>
    <message>
        <source>This user cannot be added or changed.</source>
        <translation>Cet utilisateur ne peut pas être ajouté ou modifié.</translation>
    </message>
    <message>
        <source>The device&apos;s sign-in file is damaged: ask an administrator.</source>
        <translation>Le fichier de connexion de l&apos;appareil est endommagé&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>This user&apos;s role was altered outside the application; sign-in is refused. Ask an administrator.</source>
        <translation>Le rôle de cet utilisateur a été modifié en dehors de l&apos;application&#xa0;; la connexion est refusée. Adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>Some users must sign in once before this can be done: {users}.</source>
        <translation>Certains utilisateurs doivent se connecter une fois avant que cela soit possible&#xa0;: {users}.</translation>
    </message>
    <message>
        <source>This secret cannot be stored.</source>
        <translation>Ce secret ne peut pas être enregistré.</translation>
    </message>
    <message>
        <source>A secret was altered outside the application and is not used: ask an administrator.</source>
        <translation>Un secret a été modifié en dehors de l&apos;application et n&apos;est pas utilisé&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>This secret&apos;s name is not valid.</source>
        <translation>Le nom de ce secret n&apos;est pas valide.</translation>
    </message>
    <message>
        <source>This secret is too large.</source>
        <translation>Ce secret est trop volumineux.</translation>
    </message>
    <message>
        <source>The country configuration has errors: ask an administrator.</source>
        <translation>La configuration du pays contient des erreurs&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>The country configuration names a file outside its folder: ask an administrator.</source>
        <translation>La configuration du pays désigne un fichier hors de son dossier&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>This backup is damaged or altered; nothing was restored.</source>
        <translation>Cette sauvegarde est endommagée ou modifiée&#xa0;; rien n&apos;a été restauré.</translation>
    </message>
    <message>
        <source>This backup belongs to another device.</source>
        <translation>Cette sauvegarde appartient à un autre appareil.</translation>
    </message>
    <message>
        <source>This backup was made by a newer version of the application: update it first.</source>
        <translation>Cette sauvegarde vient d&apos;une version plus récente de l&apos;application&#xa0;: mettez-la d&apos;abord à jour.</translation>
    </message>
    <message>
        <source>The backup could not be written.</source>
        <translation>La sauvegarde n&apos;a pas pu être écrite.</translation>
    </message>
    <message>
        <source>The backup destination is full of backups: clear some space.</source>
        <translation>La destination des sauvegardes en est pleine&#xa0;: faites de la place.</translation>
    </message>
    <message>
        <source>This backup is damaged or incomplete; nothing was restored.</source>
        <translation>Cette sauvegarde est endommagée ou incomplète&#xa0;; rien n&apos;a été restauré.</translation>
    </message>
    <message>
        <source>The sign-in data in this backup is damaged.</source>
        <translation>Les données de connexion de cette sauvegarde sont endommagées.</translation>
    </message>
    <message>
        <source>The backup destination cannot be found (is the USB stick plugged in?).</source>
        <translation>La destination des sauvegardes est introuvable (la clé USB est-elle branchée&#xa0;?).</translation>
    </message>
    <message>
        <source>The backup destination cannot be written to.</source>
        <translation>Impossible d&apos;écrire dans la destination des sauvegardes.</translation>
    </message>
    <message>
        <source>This device has no administrator, so a backup of it could never be restored.</source>
        <translation>Cet appareil n&apos;a pas d&apos;administrateur&#xa0;: une sauvegarde ne pourrait jamais être restaurée.</translation>
    </message>
    <message>
        <source>Users changed during the backup: try again.</source>
        <translation>Les utilisateurs ont changé pendant la sauvegarde&#xa0;: réessayez.</translation>
    </message>
    <message>
        <source>The backup could not be written to its destination.</source>
        <translation>La sauvegarde n&apos;a pas pu être écrite dans sa destination.</translation>
    </message>
    <message>
        <source>The backup file cannot be read.</source>
        <translation>Le fichier de sauvegarde est illisible.</translation>
    </message>
    <message>
        <source>This file is not a backup of this application.</source>
        <translation>Ce fichier n&apos;est pas une sauvegarde de cette application.</translation>
    </message>
    <message>
        <source>This backup was made by another version of the application and cannot be read.</source>
        <translation>Cette sauvegarde vient d&apos;une autre version de l&apos;application et ne peut pas être lue.</translation>
    </message>
    <message>
        <source>That folder already holds a device: restore into a new, empty folder.</source>
        <translation>Ce dossier contient déjà un appareil&#xa0;: restaurez dans un nouveau dossier vide.</translation>
    </message>
    <message>
        <source>Restore into a new, empty folder.</source>
        <translation>Restaurez dans un nouveau dossier vide.</translation>
    </message>
    <message>
        <source>Restoring a backup needs an administrator&apos;s PIN.</source>
        <translation>La restauration d&apos;une sauvegarde demande le code PIN d&apos;un administrateur.</translation>
    </message>
    <message>
        <source>The history in this backup was altered (event {seq}); nothing was restored.</source>
        <translation>L&apos;historique de cette sauvegarde a été modifié (événement {seq})&#xa0;; rien n&apos;a été restauré.</translation>
    </message>
    <message>
        <source>The relay holds no such backup.</source>
        <translation>Le relais ne détient pas cette sauvegarde.</translation>
    </message>
    <message>
        <source>The backup is larger than this device may keep at the relay.</source>
        <translation>La sauvegarde dépasse ce que cet appareil peut conserver sur le relais.</translation>
    </message>
    <message>
        <source>The relay already holds another backup of that name.</source>
        <translation>Le relais détient déjà une autre sauvegarde de ce nom.</translation>
    </message>
    <message>
        <source>The relay refused the backup: ask an administrator.</source>
        <translation>Le relais a refusé la sauvegarde&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>Backups to the relay need the relay to be set up on this device: ask an administrator.</source>
        <translation>Les sauvegardes sur le relais demandent que le relais soit configuré sur cet appareil&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>Some details look unlikely: check them and confirm each warning shown, or correct them.</source>
        <translation>Certaines informations semblent peu plausibles&#xa0;: vérifiez-les et confirmez chaque avertissement affiché, ou corrigez-les.</translation>
    </message>
    <message>
        <source> or </source>
        <translation> ou </translation>
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
        <source>Authenticated with e-Signet: the person proved who they are.</source>
        <translation>Authentifiée avec e-Signet&#xa0;: la personne a prouvé son identité.</translation>
    </message>
    <message>
        <source>Not yet checked</source>
        <translation>Pas encore vérifié</translation>
    </message>
    <message>
        <source>Typed by hand or scanned: checked against MOSIP when the device is online. This offline verification does not authenticate the person.</source>
        <translation>Saisi à la main ou scanné&#xa0;: vérifié auprès de MOSIP quand l&apos;appareil sera en ligne. Cette vérification hors ligne n&apos;authentifie pas la personne.</translation>
    </message>
    <message>
        <source>QR signature valid</source>
        <translation>Signature du QR valide</translation>
    </message>
    <message>
        <source>Filled from an ID QR code signed by a trusted issuer. It will be checked against MOSIP when online; this does not authenticate the person.</source>
        <translation>Rempli à partir d&apos;un code QR d&apos;identité signé par un émetteur de confiance. Il sera vérifié auprès de MOSIP une fois en ligne&#xa0;; cela n&apos;authentifie pas la personne.</translation>
    </message>
    <message>
        <source>Issuer key: %1</source>
        <translation>Clé de l&apos;émetteur&#xa0;: %1</translation>
    </message>
    <message>
        <source>QR unverified</source>
        <translation>QR non vérifié</translation>
    </message>
    <message>
        <source>Filled from an unsigned QR code: unverified data. It will be checked against MOSIP when online; this does not authenticate the person.</source>
        <translation>Rempli depuis un QR code non signé&#xa0;: données non vérifiées. Vérifié auprès de MOSIP une fois en ligne&#xa0;; cela n&apos;authentifie pas la personne.</translation>
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
        <translation>Échec de la connexion&#xa0;: %1</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>crvs-field — %1</source>
        <translation>crvs-field — %1</translation>
    </message>
    <message>
        <source>Signed in as %1 (%2)</source>
        <translation>Connecté&#xa0;: %1 (%2)</translation>
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
    <message>
        <source>Declared. Tracking ID %1. Identity checks run when the device is online.</source>
        <translation>Déclaré. Numéro de suivi %1. Les vérifications d&apos;identité auront lieu quand l&apos;appareil sera en ligne.</translation>
    </message>
    <message>
        <source>%1: done. The record is now “%2”.</source>
        <translation>%1&#xa0;: fait. Le dossier est maintenant «&#xa0;%2&#xa0;».</translation>
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
    <name>Notices</name>
    <message>
        <source>MOSIP did not answer in time</source>
        <translation>MOSIP n&apos;a pas répondu à temps</translation>
    </message>
    <message>
        <source>MOSIP could not be reached</source>
        <translation>MOSIP est injoignable</translation>
    </message>
    <message>
        <source>the connection closed before MOSIP answered</source>
        <translation>la connexion s&apos;est fermée avant la réponse de MOSIP</translation>
    </message>
    <message>
        <source>network error</source>
        <translation>erreur réseau</translation>
    </message>
    <message>
        <source>MOSIP answered with an error (HTTP {status})</source>
        <translation>MOSIP a répondu par une erreur (HTTP {status})</translation>
    </message>
    <message>
        <source>the identity service is busy ({codes})</source>
        <translation>le service d&apos;identité est occupé ({codes})</translation>
    </message>
    <message>
        <source>MOSIP could not take it now ({code})</source>
        <translation>MOSIP ne peut pas le prendre maintenant ({code})</translation>
    </message>
    <message>
        <source>MOSIP&apos;s answer could not be read</source>
        <translation>la réponse de MOSIP est illisible</translation>
    </message>
    <message>
        <source>gave up after {attempts} attempts: {cause}</source>
        <translation>abandon après {attempts} tentatives&#xa0;: {cause}</translation>
    </message>
    <message>
        <source>gave up after one attempt: {cause}</source>
        <translation>abandon après une tentative&#xa0;: {cause}</translation>
    </message>
    <message>
        <source>the identity service refused the request ({codes}): check the person&apos;s details</source>
        <translation>le service d&apos;identité a refusé la demande ({codes})&#xa0;: vérifiez les informations de la personne</translation>
    </message>
    <message>
        <source>MOSIP refused the data sent ({code})</source>
        <translation>MOSIP a refusé les données envoyées ({code})</translation>
    </message>
    <message>
        <source>this device does not know how to send this item ({kind})</source>
        <translation>cet appareil ne sait pas envoyer cet élément ({kind})</translation>
    </message>
    <message>
        <source>OpenCRVS could not take it now</source>
        <translation>OpenCRVS ne peut pas le prendre maintenant</translation>
    </message>
    <message>
        <source>OpenCRVS has not decided yet</source>
        <translation>OpenCRVS n&apos;a pas encore décidé</translation>
    </message>
    <message>
        <source>waiting for the identity checks</source>
        <translation>en attente des vérifications d&apos;identité</translation>
    </message>
    <message>
        <source>a registrar is working on this record in OpenCRVS</source>
        <translation>un officier d&apos;état civil traite ce dossier dans OpenCRVS</translation>
    </message>
    <message>
        <source>OpenCRVS refused the declaration (HTTP {status}): ask an administrator</source>
        <translation>OpenCRVS a refusé la déclaration (HTTP {status})&#xa0;: adressez-vous à un administrateur</translation>
    </message>
    <message>
        <source>a registrar in OpenCRVS sent it back for updates</source>
        <translation>un officier d&apos;état civil l&apos;a renvoyé depuis OpenCRVS pour mise à jour</translation>
    </message>
    <message>
        <source>OpenCRVS refused {fields} field(s): correct them</source>
        <translation>OpenCRVS a refusé {fields} champ(s)&#xa0;: corrigez-les</translation>
    </message>
    <message>
        <source>OpenCRVS&apos;s country configuration refused the declaration</source>
        <translation>la configuration du pays dans OpenCRVS a refusé la déclaration</translation>
    </message>
    <message>
        <source>The identity service refused this device&apos;s credentials ({codes}): ask an administrator.</source>
        <translation>Le service d&apos;identité a refusé les identifiants de cet appareil ({codes})&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>MOSIP refused this device&apos;s credentials ({code}): ask an administrator.</source>
        <translation>MOSIP a refusé les identifiants de cet appareil ({code})&#xa0;: adressez-vous à un administrateur.</translation>
    </message>
    <message>
        <source>MOSIP refused to send this device its confirmations (“{reason}”): ask an administrator to check the confirmation client.</source>
        <translation>MOSIP refuse d&apos;envoyer ses confirmations à cet appareil («&#xa0;{reason}&#xa0;»)&#xa0;: demandez à un administrateur de vérifier le client de confirmation.</translation>
    </message>
    <message>
        <source>This device&apos;s history no longer matches what the relay acknowledged: ask an administrator to check it (audit verify).</source>
        <translation>L&apos;historique de cet appareil ne correspond plus à ce que le relais a accusé&#xa0;: demandez à un administrateur de le vérifier (audit verify).</translation>
    </message>
    <message>
        <source>The last sync attempt failed; it is tried again automatically.</source>
        <translation>La dernière synchronisation a échoué&#xa0;; elle sera relancée automatiquement.</translation>
    </message>
    <message>
        <source>This device&apos;s sign-in keys date from an earlier version: an administrator must sign in once to finish the upgrade. Until then everyone works as before.</source>
        <translation>Les clés de connexion de cet appareil datent d&apos;une version antérieure&#xa0;: un administrateur doit se connecter une fois pour terminer la mise à jour. D&apos;ici là, chacun travaille comme avant.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1&#xa0;: %2</translation>
    </message>
</context>
<context>
    <name>OfflineBanner</name>
    <message>
        <source>“Sync now” is unavailable until then.</source>
        <translation>«&#xa0;Synchroniser&#xa0;» reste indisponible jusque-là.</translation>
    </message>
</context>
<context>
    <name>Plausibility</name>
    <message>
        <source>Please check before you %1:</source>
        <translation>Vérifiez avant de %1&#xa0;:</translation>
    </message>
    <message>
        <source>Confirm only if the details are right: your confirmation is kept in the record&apos;s history.</source>
        <translation>Ne confirmez que si les informations sont justes&#xa0;: votre confirmation est conservée dans l’historique du dossier.</translation>
    </message>
    <message>
        <source>Unusual details</source>
        <translation>Informations inhabituelles</translation>
    </message>
    <message>
        <source>&amp;Confirm, the details are right</source>
        <translation>&amp;Confirmer, les informations sont justes</translation>
    </message>
    <message>
        <source>&amp;Go back and check</source>
        <translation>&amp;Revenir et vérifier</translation>
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
        <translation>&lt;b&gt;Conseils&lt;/b&gt;&lt;ul&gt;&lt;li&gt;Tenez la carte bien à plat, à 15–25 cm de la caméra.&lt;/li&gt;&lt;li&gt;Placez le QR code dans le cadre.&lt;/li&gt;&lt;li&gt;Évitez les reflets&#xa0;: inclinez légèrement la carte sous une lumière vive.&lt;/li&gt;&lt;li&gt;Restez immobile un instant&#xa0;; le code est lu deux fois par sécurité.&lt;/li&gt;&lt;/ul&gt;</translation>
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
        <translation>Les réglages QR du pays sont inutilisables&#xa0;: %1</translation>
    </message>
    <message>
        <source>The camera cannot be opened: %1</source>
        <translation>Impossible d&apos;ouvrir la caméra&#xa0;: %1</translation>
    </message>
    <message>
        <source>Signature verified</source>
        <translation>Signature vérifiée</translation>
    </message>
    <message>
        <source>Signed by a trusted issuer. Offline verification does not authenticate the person.</source>
        <translation>Signé par un émetteur de confiance. La vérification hors ligne n&apos;authentifie pas la personne.</translation>
    </message>
    <message>
        <source>Issuer key: %1</source>
        <translation>Clé de l&apos;émetteur&#xa0;: %1</translation>
    </message>
    <message>
        <source>Code refused: %1 Scanning continues.</source>
        <translation>Code refusé&#xa0;: %1 La lecture continue.</translation>
    </message>
    <message>
        <source>Unverified</source>
        <translation>Non vérifié</translation>
    </message>
    <message>
        <source>This code is not signed: the details are unverified. Check them against the card; they will be checked with MOSIP when online.</source>
        <translation>Ce code n&apos;est pas signé&#xa0;: les informations ne sont pas vérifiées. Comparez-les avec la carte&#xa0;; elles seront vérifiées auprès de MOSIP une fois en ligne.</translation>
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
        <source>The camera stopped: %1</source>
        <translation>La caméra s&apos;est arrêtée&#xa0;: %1</translation>
    </message>
    <message>
        <source>Scanning failed: %1</source>
        <translation>Échec du scan&#xa0;: %1</translation>
    </message>
    <message>
        <source>No QR code was found.</source>
        <translation>Aucun QR code n&apos;a été trouvé.</translation>
    </message>
    <message>
        <source>The code was refused: %1</source>
        <translation>Le code a été refusé&#xa0;: %1</translation>
    </message>
</context>
<context>
    <name>QueueList</name>
    <message numerus="yes">
        <source>%n record(s)</source>
        <translation>
            <numerusform>%n dossier</numerusform>
            <numerusform>%n dossiers</numerusform>
        </translation>
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
    <name>RecordActions</name>
    <message>
        <source>validate %1</source>
        <translation>valider %1</translation>
    </message>
    <message>
        <source>register %1</source>
        <translation>enregistrer %1</translation>
    </message>
    <message>
        <source>Reject %1</source>
        <translation>Rejeter %1</translation>
    </message>
    <message>
        <source>Reject the correction of %1</source>
        <translation>Rejeter la correction de %1</translation>
    </message>
    <message>
        <source>Say why the correction is refused. The record stays registered as it was; the reason is kept in its history.</source>
        <translation>Indiquez pourquoi la correction est refusée. L’acte reste enregistré tel quel&#xa0;; le motif est conservé dans son historique.</translation>
    </message>
    <message>
        <source>Remove %1 from the queue</source>
        <translation>Retirer %1 de la file</translation>
    </message>
    <message>
        <source>MOSIP returns no failure for UIN requests. Remove this record from &quot;Awaiting external validation&quot; only after checking with MOSIP; it becomes Registered without a UIN. Give the reason.</source>
        <translation>MOSIP ne signale aucun échec pour les demandes d&apos;UIN. Ne retirez ce dossier de «&#xa0;En attente de validation externe&#xa0;» qu&apos;après vérification auprès de MOSIP&#xa0;; il devient Enregistré sans UIN. Indiquez le motif.</translation>
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
        <translation>L&apos;identifiant national de la personne décédée sera désactivé dans MOSIP&#xa0;: il ne pourra plus servir à prouver son identité.</translation>
    </message>
    <message>
        <source>Register %1? Registration cannot be undone; the record can then only be changed by a correction.</source>
        <translation>Enregistrer %1&#xa0;? L&apos;enregistrement est définitif&#xa0;: le dossier ne pourra ensuite être modifié que par une correction.</translation>
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
        <source>Nothing is sent to MOSIP for this correction.</source>
        <translation>Rien n&apos;est envoyé à MOSIP pour cette correction.</translation>
    </message>
    <message>
        <source>The declaration goes to “%1”, where the agent can update and declare it again.</source>
        <translation>La déclaration passe dans «&#xa0;%1&#xa0;», où l&apos;agent peut la mettre à jour et la déclarer à nouveau.</translation>
    </message>
    <message>
        <source>Say why the declaration is rejected. The reason is kept in the record&apos;s history.</source>
        <translation>Indiquez pourquoi la déclaration est rejetée. Le motif est conservé dans l&apos;historique du dossier.</translation>
    </message>
    <message>
        <source>Reject the declaration</source>
        <translation>Rejeter la déclaration</translation>
    </message>
</context>
<context>
    <name>RecordList</name>
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
        <source>No records here.</source>
        <translation>Aucun dossier ici.</translation>
    </message>
    <message>
        <source>No record matches the search.</source>
        <translation>Aucun dossier ne correspond à la recherche.</translation>
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
        <translation>Nécessite une attention&#xa0;: %1</translation>
    </message>
    <message>
        <source>VID</source>
        <translation>VID</translation>
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
        <translation>Les vérifications d&apos;identité ont lieu quand l&apos;appareil est en ligne&#xa0;; le dossier avance ensuite de lui-même.</translation>
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
        <translation>En attente de l&apos;émission de l&apos;UIN par MOSIP&#xa0;; le dossier passe alors à Enregistré.</translation>
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
        <source>Identity checks are still waiting to be sent to MOSIP.</source>
        <translation>Les vérifications d&apos;identité attendent encore d&apos;être envoyées à MOSIP.</translation>
    </message>
    <message>
        <source>Data source</source>
        <translation>Origine des données</translation>
    </message>
    <message>
        <source>The reference e-Signet gave for this person&apos;s login. It is not an ID number and means nothing outside this service.</source>
        <translation>La référence donnée par e-Signet pour la connexion de cette personne. Ce n&apos;est pas un numéro d&apos;identité et elle n&apos;a pas de sens en dehors de ce service.</translation>
    </message>
    <message>
        <source>e-Signet login reference</source>
        <translation>Référence de connexion e-Signet</translation>
    </message>
    <message>
        <source>Sent to MOSIP and OpenCRVS</source>
        <translation>Envoyé à MOSIP et à OpenCRVS</translation>
    </message>
    <message>
        <source>You requested this correction, so another registrar must approve it (four-eyes rule).</source>
        <translation>Vous avez demandé cette correction&#xa0;: un autre officier d&apos;état civil doit l&apos;approuver (principe des quatre yeux).</translation>
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
        <translation>motif&#xa0;: %1</translation>
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
        <source>This device</source>
        <translation>Cet appareil</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1&#xa0;: %2</translation>
    </message>
    <message>
        <source>person: %1</source>
        <translation>personne&#xa0;: %1</translation>
    </message>
    <message>
        <source>outcome: %1</source>
        <translation>résultat&#xa0;: %1</translation>
    </message>
    <message>
        <source>did not match: %1</source>
        <translation>non concordant&#xa0;: %1</translation>
    </message>
    <message>
        <source>asked for by: %1</source>
        <translation>demandée par&#xa0;: %1</translation>
    </message>
    <message>
        <source>fields: %1</source>
        <translation>champs&#xa0;: %1</translation>
    </message>
    <message>
        <source>identity checks queued: %1</source>
        <translation>vérifications d&apos;identité en file&#xa0;: %1</translation>
    </message>
    <message>
        <source>MOSIP: %1</source>
        <translation>MOSIP&#xa0;: %1</translation>
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
        <source>Identity checks done</source>
        <translation>Vérifications d’identité faites</translation>
    </message>
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
        <source>Sent to MOSIP</source>
        <translation>Envoyé à MOSIP</translation>
    </message>
    <message>
        <source>Set aside: needs attention</source>
        <translation>Mis de côté&#xa0;: à examiner</translation>
    </message>
    <message>
        <source>OpenCRVS status</source>
        <translation>État dans OpenCRVS</translation>
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
        <source>Identity check with MOSIP</source>
        <translation>Vérification d&apos;identité auprès de MOSIP</translation>
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
        <source>Declaration sent to OpenCRVS</source>
        <translation>Déclaration envoyée à OpenCRVS</translation>
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
    <message>
        <source>ID number or details</source>
        <translation>numéro d&apos;identité ou informations</translation>
    </message>
    <message>
        <source>a detail</source>
        <translation>une information</translation>
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
        <translation>La déclaration n&apos;est pas complète&#xa0;: corrigez les champs signalés.</translation>
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
    <message numerus="yes">
        <source>%n record(s) waiting to send</source>
        <translation>
            <numerusform>%n dossier en attente d&apos;envoi</numerusform>
            <numerusform>%n dossiers en attente d&apos;envoi</numerusform>
        </translation>
    </message>
    <message>
        <source>Sync off</source>
        <translation>Synchro désactivée</translation>
    </message>
    <message>
        <source>No sync agent runs in this window: work stays on the device.</source>
        <translation>Aucun agent de synchronisation ne tourne dans cette fenêtre&#xa0;: le travail reste sur l&apos;appareil.</translation>
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
        <source>Send the waiting work now</source>
        <translation>Envoyer maintenant le travail en attente</translation>
    </message>
    <message>
        <source>The device is offline: nothing can be sent now. Work is kept on this device and sent by itself when the connection returns.</source>
        <translation>L’appareil est hors ligne&#xa0;: rien ne peut être envoyé pour l’instant. Le travail est conservé sur cet appareil et envoyé automatiquement au retour de la connexion.</translation>
    </message>
</context>
<context>
    <name>Upstream</name>
    <message>
        <source>Waiting to be sent to OpenCRVS</source>
        <translation>En attente d’envoi à OpenCRVS</translation>
    </message>
    <message>
        <source>Submitted</source>
        <translation>Soumis</translation>
    </message>
    <message>
        <source>In OpenCRVS (incomplete)</source>
        <translation>Dans OpenCRVS (incomplet)</translation>
    </message>
    <message>
        <source>In OpenCRVS (declared)</source>
        <translation>Dans OpenCRVS (déclaré)</translation>
    </message>
    <message>
        <source>In OpenCRVS (validated)</source>
        <translation>Dans OpenCRVS (validé)</translation>
    </message>
    <message>
        <source>Registered</source>
        <translation>Enregistré</translation>
    </message>
    <message>
        <source>Requires updates</source>
        <translation>Mises à jour requises</translation>
    </message>
    <message>
        <source>OpenCRVS: %1</source>
        <translation>OpenCRVS&#xa0;: %1</translation>
    </message>
    <message>
        <source>registration no. %1</source>
        <translation>n° d’enregistrement %1</translation>
    </message>
    <message>
        <source>national ID received</source>
        <translation>numéro d’identité reçu</translation>
    </message>
    <message>
        <source>The declaration is sent to OpenCRVS when the device is online and the identity checks are done.</source>
        <translation>La déclaration est envoyée à OpenCRVS dès que l’appareil est en ligne et que les vérifications d’identité sont faites.</translation>
    </message>
    <message>
        <source>OpenCRVS received the declaration and is checking it.</source>
        <translation>OpenCRVS a reçu la déclaration et la vérifie.</translation>
    </message>
    <message>
        <source>A registrar at OpenCRVS completes and reviews the declaration.</source>
        <translation>Un officier de l’état civil la complète et l’examine dans OpenCRVS.</translation>
    </message>
    <message>
        <source>A registrar at OpenCRVS reviews the declaration.</source>
        <translation>Un officier de l’état civil l’examine dans OpenCRVS.</translation>
    </message>
    <message>
        <source>Reviewed at OpenCRVS; waiting for a registrar to register it.</source>
        <translation>Examinée dans OpenCRVS&#xa0;; en attente d’enregistrement par un officier de l’état civil.</translation>
    </message>
    <message>
        <source>Registered in OpenCRVS: nothing more to do on this device.</source>
        <translation>Enregistré dans OpenCRVS&#xa0;: plus rien à faire sur cet appareil.</translation>
    </message>
    <message>
        <source>Update the declaration as the registrar asks, then submit it again.</source>
        <translation>Mettez la déclaration à jour comme le demande l’officier de l’état civil, puis soumettez-la de nouveau.</translation>
    </message>
    <message>
        <source>OpenCRVS refused some fields: fix them, then submit the declaration again.</source>
        <translation>OpenCRVS a refusé certains champs&#xa0;: corrigez-les, puis soumettez de nouveau la déclaration.</translation>
    </message>
    <message>
        <source>OpenCRVS refused this value: %1</source>
        <translation>OpenCRVS a refusé cette valeur&#xa0;: %1</translation>
    </message>
    <message>
        <source>Registration no.</source>
        <translation>N° d’enregistrement</translation>
    </message>
    <message>
        <source>Child&apos;s national ID (NID)</source>
        <translation>Numéro d’identité de l’enfant (NID)</translation>
    </message>
    <message>
        <source>OpenCRVS tracking ID</source>
        <translation>Numéro de suivi OpenCRVS</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Motif</translation>
    </message>
    <message>
        <source>OpenCRVS sent the declaration back without a reason this device may read.</source>
        <translation>OpenCRVS a renvoyé la déclaration sans motif lisible par cet appareil.</translation>
    </message>
    <message>
        <source>Fields to fix</source>
        <translation>Champs à corriger</translation>
    </message>
    <message>
        <source>Last asked</source>
        <translation>Dernière demande</translation>
    </message>
    <message>
        <source>In OpenCRVS</source>
        <translation>Dans OpenCRVS</translation>
    </message>
    <message>
        <source>OpenCRVS asks for updates before it takes this declaration.</source>
        <translation>OpenCRVS demande des mises à jour avant d’accepter cette déclaration.</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>Motif&#xa0;: %1</translation>
    </message>
    <message>
        <source>Submitted. Tracking ID %1. It is sent to OpenCRVS when the device is online and the identity checks are done.</source>
        <translation>Soumis. Numéro de suivi %1. Il est envoyé à OpenCRVS dès que l’appareil est en ligne et que les vérifications d’identité sont faites.</translation>
    </message>
    <message>
        <source>Submit to OpenCRVS</source>
        <translation>Soumettre à OpenCRVS</translation>
    </message>
    <message>
        <source>Declares the record; the device sends it to OpenCRVS when it is online</source>
        <translation>Déclare l’acte&#xa0;; l’appareil l’envoie à OpenCRVS dès qu’il est en ligne</translation>
    </message>
</context>
</TS>
