"""app/mosip"""
